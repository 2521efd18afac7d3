# -*- coding: utf-8 -*-
# An FC HTTP-trigger function: GET /items?limit=N answers JSON.
import json
import os

ITEMS = [{"id": 1, "name": "teapot"}, {"id": 2, "name": "kettle"}, {"id": 3, "name": "cup"}]


def handler(environ, start_response):
    query = dict(pair.split("=", 1) for pair in environ.get("QUERY_STRING", "").split("&") if "=" in pair)
    limit = int(query.get("limit", len(ITEMS)))
    body = json.dumps({"shop": os.environ.get("SHOP_NAME"), "path": environ.get("PATH_INFO"),
                       "items": ITEMS[:limit]})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode("utf-8")]
