"""A zip package's entry file at the zip's root (the tests zip this folder): returns where it runs from."""
import os


def handler(event, context):
    return {"file": os.path.abspath(__file__), "zipped": True}


main_handler = handler
