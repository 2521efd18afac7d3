"""What a function sees of the runtime itself (issue 18 item 18): the context's fields through vars(), the request
id, and whether the runtime's own FUNCTION_PROVIDER variable reaches os.environ."""
import os


def handler(event, context):
    fields = vars(context)
    return {"vars": sorted(fields), "function_vars": sorted(vars(context.function)),
            "request_id": context.request_id if hasattr(context, "request_id") else context["request_id"],
            "provider_variable": os.environ.get("FUNCTION_PROVIDER"),
            "function_variables": sorted(k for k in os.environ if k.startswith("FUNCTION_"))}


def main_handler(event, context):
    return {"request_id": context["request_id"], "provider_variable": os.environ.get("FUNCTION_PROVIDER")}
