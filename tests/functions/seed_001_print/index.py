"""Seed 001/002's first example, verbatim below: prints the event and str(context), returns "Hello World".

Printing the context is what users do; the log must still carry no credential of the environment."""
import json

def main_handler(event, context):
    print("Received event: " + json.dumps(event, indent = 2)) 
    print("Received context: " + str(context))
    return("Hello World")
