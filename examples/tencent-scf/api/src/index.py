# -*- coding: utf8 -*-
import json
import os

BOOKS = {"1": "The Master and Margarita", "2": "Dream of the Red Chamber"}


def main_handler(event, context):
    book_id = event["pathParameters"].get("id")
    query = event["queryStringParameters"]
    if book_id is None:
        data = {"shelf": os.environ.get("SHELF"), "books": sorted(BOOKS.values())[:int(query.get("limit", 10))]}
        status = 200
    elif book_id in BOOKS:
        data, status = {"id": book_id, "title": BOOKS[book_id]}, 200
    else:
        data, status = {"error": "no book %s" % book_id}, 404
    data["route"] = event["requestContext"]["path"]
    data["stage"] = event["requestContext"]["stage"]
    return {"isBase64Encoded": False, "statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(data)}
