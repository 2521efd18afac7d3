"""Seed 003's OSS upload with the context's temporary credentials, verbatim below (handler `upload.my_handler`).

Needs oss2 (built into the aliyun images) and an OSS endpoint; the event names endpoint, bucket, objectName, message."""
import json
import oss2

def my_handler(event, context):    
    evt = json.loads(event)    
    creds = context.credentials   
    # do not forget security_token    
    auth = oss2.StsAuth(creds.access_key_id, creds.access_key_secret, creds.security_token)    
    bucket = oss2.Bucket(auth, evt['endpoint'], evt['bucket'])    
    bucket.put_object(evt['objectName'], evt['message'])   
    return 'success'
