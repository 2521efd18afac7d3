"""The clouds' request signatures, checked as each cloud's own SDK computes them (`start-functions
--check-signatures`). Each checker takes the request's method, raw path, query string, headers (a case-insensitive
mapping) and body bytes, and returns None when the signature is right, else (code, message) for the cloud's own
error. The keys come from the environment when the endpoint starts; they are never logged or put in a message.

    keys = Keys.from_environment(os.environ)
    problem = check_fc(keys, "POST", path, query, headers, body)      # None, or ("SignatureNotMatch", "...")

- Alibaba FC (`aliyun-fc2`'s fc2/auth.py): `Authorization: FC <id>:<base64 HMAC-SHA256>` over
  `METHOD\\ncontent-md5\\ncontent-type\\ndate\\n<sorted x-fc-* lines><unescaped path>[\\n<sorted k=v query lines>]`.
- Tencent (`tencentcloud-sdk-python`'s abstract_client.py): TC3-HMAC-SHA256 over the canonical request of the
  SignedHeaders the Authorization header names, the key derived from "TC3"+secret, the date, the service, "tc3_request".
- JD Cloud (`jdcloud_sdk`'s core/signer.py): JDCLOUD3-HMAC-SHA256 (and the older JDCLOUD2-HMAC-SHA256, the same
  construction with "JDCLOUD2" and "jdcloud2_request"), the date from `x-jdcloud-date`, region and service from the
  credential scope.
"""
import base64
import hashlib
import hmac
import re
import urllib.parse


class Keys:
    """The access keys of each cloud (id, secret), or None for a cloud without them."""

    ENVIRONMENT = {"aliyun": ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                   "tencent": ("TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY"),
                   "jdcloud": ("JDCLOUD_ACCESS_KEY", "JDCLOUD_SECRET_KEY")}

    def __init__(self, pairs):
        self.pairs = pairs

    @classmethod
    def from_environment(cls, environ):
        pairs = {}
        for cloud, (id_name, secret_name) in cls.ENVIRONMENT.items():
            if environ.get(id_name) and environ.get(secret_name):
                pairs[cloud] = (environ[id_name], environ[secret_name])
        return cls(pairs)

    def get(self, cloud):
        return self.pairs.get(cloud)

    def __repr__(self):  # never the secrets
        return "Keys(%s)" % ", ".join(sorted(self.pairs))


def equal(a, b):
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def check_fc(keys, method, path, query, headers, body):
    pair = keys.get("aliyun")
    if pair is None:
        return "InvalidAccessKeyID", "the endpoint has no Alibaba Cloud key to check against"
    authorization = headers.get("authorization", "")
    match = re.match(r"FC ([^:]+):(.+)$", authorization.strip())
    if not match:
        return "MissingRequiredHeader", "the Authorization header must be 'FC <AccessKeyID>:<signature>'"
    key_id, sent = match.groups()
    if key_id != pair[0]:
        return "InvalidAccessKeyID", "the AccessKeyID %r is not the endpoint's" % key_id
    lines = sorted((k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-fc-"))
    canonical_headers = "".join("%s:%s\n" % pair_ for pair_ in lines)
    resource = urllib.parse.unquote(path)
    resources = [resource, resource + "\n"]  # the SDK adds "\n" after the path whenever it passes a query dict
    if query:
        params = sorted("%s=%s" % (k, v) if v else k
                        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True))
        resources = [resource + "\n" + "\n".join(params)]
    for candidate in resources:
        text = "\n".join([method.upper(), headers.get("content-md5", ""), headers.get("content-type", ""),
                          headers.get("date", ""), canonical_headers + candidate])
        digest = hmac.new(pair[1].encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
        if equal(base64.b64encode(digest).decode("ascii"), sent):
            return None
    return "SignatureNotMatch", "the request signature we calculated does not match the signature you provided"


def authorization_fields(text):
    """'ALG Credential=a/b, SignedHeaders=x;y, Signature=z' -> ("ALG", {"Credential": ..., ...})."""
    algorithm, _, rest = text.strip().partition(" ")
    fields = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    return algorithm, fields


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def check_tc3(keys, method, path, query, headers, body):
    pair = keys.get("tencent")
    if pair is None:
        return "AuthFailure.SecretIdNotFound", "the endpoint has no Tencent Cloud key to check against"
    algorithm, fields = authorization_fields(headers.get("authorization", ""))
    if algorithm != "TC3-HMAC-SHA256" or not {"Credential", "SignedHeaders", "Signature"} <= set(fields):
        return "AuthFailure.InvalidAuthorization", "the Authorization header must be TC3-HMAC-SHA256 " \
                                                   "Credential=..., SignedHeaders=..., Signature=..."
    scope = fields["Credential"].split("/")
    if len(scope) != 4 or scope[3] != "tc3_request":
        return "AuthFailure.InvalidAuthorization", "the Credential must be SecretId/Date/Service/tc3_request"
    secret_id, date, service, _ = scope
    if secret_id != pair[0]:
        return "AuthFailure.SecretIdNotFound", "the SecretId %r is not the endpoint's" % secret_id
    names = fields["SignedHeaders"].split(";")
    canonical_headers = ""
    for name in names:
        value = headers.get(name, "").strip()
        canonical_headers += "%s:%s\n" % (name, value.lower() if name == "x-tc-action" else value)
    payload = "UNSIGNED-PAYLOAD" if headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD" else sha256_hex(body)
    canonical = "\n".join([method.upper(), path, query, canonical_headers, fields["SignedHeaders"], payload])
    text = "\n".join(["TC3-HMAC-SHA256", headers.get("x-tc-timestamp", ""), "%s/%s/tc3_request" % (date, service),
                      sha256_hex(canonical.encode("utf-8"))])
    key = hmac_sha256(("TC3" + pair[1]).encode("utf-8"), date)
    key = hmac_sha256(hmac_sha256(key, service), "tc3_request")
    if equal(hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest(), fields["Signature"]):
        return None
    return "AuthFailure.SignatureFailure", "the provided credentials could not be validated: check the signature"


def check_jd(keys, method, path, query, headers, body):
    pair = keys.get("jdcloud")
    if pair is None:
        return "UNAUTHENTICATED", "the endpoint has no JD Cloud key to check against"
    algorithm, fields = authorization_fields(headers.get("authorization", ""))
    versions = {"JDCLOUD3-HMAC-SHA256": ("JDCLOUD3", "jdcloud3_request"),
                "JDCLOUD2-HMAC-SHA256": ("JDCLOUD2", "jdcloud2_request")}
    if algorithm not in versions or not {"Credential", "SignedHeaders", "Signature"} <= set(fields):
        return "UNAUTHENTICATED", "the Authorization header must be JDCLOUD3-HMAC-SHA256 (or JDCLOUD2-HMAC-SHA256) " \
                                  "Credential=..., SignedHeaders=..., Signature=..."
    prefix, terminator = versions[algorithm]
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != terminator:
        return "UNAUTHENTICATED", "the Credential must be AccessKey/Date/Region/Service/%s" % terminator
    access_key, date, region, service, _ = scope
    if access_key != pair[0]:
        return "UNAUTHENTICATED", "the access key %r is not the endpoint's" % access_key
    names = fields["SignedHeaders"].split(";")
    canonical_headers = "".join("%s:%s\n" % (name, headers.get(name, "").strip()) for name in names)
    params = sorted([urllib.parse.quote(k, "~"), urllib.parse.quote(v, "~")]
                    for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True))
    canonical_query = "&".join("%s=%s" % tuple(p) for p in params if p[0])
    uri = urllib.parse.quote(re.sub("/+", "/", urllib.parse.unquote_plus(path)), "/~") or "/"
    canonical = "\n".join([method.upper(), uri, canonical_query, canonical_headers, fields["SignedHeaders"],
                           sha256_hex(body)])
    stamp = headers.get("x-jdcloud-date", "")
    text = "\n".join([algorithm, stamp, "/".join(scope[1:]), sha256_hex(canonical.encode("utf-8"))])
    key = hmac_sha256((prefix + pair[1]).encode("utf-8"), date)
    for part in (region, service, terminator):
        key = hmac_sha256(key, part)
    if equal(hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest(), fields["Signature"]):
        return None
    return "UNAUTHENTICATED", "the signature does not match"
