"""The entry file exists but raises ImportError while loading: ImportModuleError with that ImportError's text."""
import module_that_is_not_installed_anywhere  # noqa: F401


def handler(event, context):
    return "never loaded"


main_handler = handler
