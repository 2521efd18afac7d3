"""A function importing from a layer (issue 18 item 5): `layerpkg` only the layer has, `shadowed` both the code
folder and the layer have (the code folder wins), `pip` the interpreter has too (the layer wins over built-ins)."""
import sys


def handler(event, context):
    import layerpkg
    import pip
    import shadowed
    found = {"layerpkg": layerpkg.WHERE, "shadowed": shadowed.WHERE, "pip": getattr(pip, "WHERE", "built-in")}
    try:
        import sitepkg
        found["sitepkg"] = sitepkg.WHERE
    except ImportError:
        pass
    found["sys_path"] = sys.path
    return found


main_handler = handler
