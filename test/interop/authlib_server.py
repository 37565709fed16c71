"""A minimal RFC 8628 authorization server built on Authlib, for the interop test.

Authlib is an independent implementation (Debian bookworm ships 1.2 as python3-authlib). This file
only fills in the storage hooks Authlib asks for; every protocol decision (client authentication,
error codes, token shapes) is Authlib's own. Storage is in memory.

Usage: python3 authlib_server.py [--interval SECONDS]
Prints one JSON line {"port": N, "authlib": "1.2.0"} on stdout once it listens on 127.0.0.1:N,
and exits when its stdin closes (so a crashed test runner leaves no server behind).

Routes the test uses to play the user and the clock (not part of OAuth):
  POST /approve  user_code=...   the user approves the request
  POST /deny     user_code=...   the user declines it
  POST /expire   user_code=...   the device code's lifetime runs out now
  GET  /log                      how Authlib authenticated each client request
"""

import argparse
import json
import logging
import os
import sys
import threading
import time

# Authlib refuses plain http unless told otherwise; the server only listens on loopback.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import authlib  # noqa: E402
from authlib.integrations.flask_oauth2 import AuthorizationServer  # noqa: E402
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants  # noqa: E402
from authlib.oauth2.rfc6749.util import scope_to_list  # noqa: E402
from authlib.oauth2.rfc8628 import (  # noqa: E402
    DEVICE_CODE_GRANT_TYPE,
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    DeviceCredentialDict,
)
from flask import Flask, jsonify, request  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--interval", type=int, default=1)
args = parser.parse_args()

lock = threading.RLock()
device_credentials = {}  # device_code -> DeviceCredentialDict
user_codes = {}  # user_code -> device_code
user_grants = {}  # user_code -> (user, approved)
tokens = {}  # refresh_token -> Token
log = []  # one entry per client-authenticated request

USER = {"id": "alice"}


class Client(ClientMixin):
    def __init__(self, client_id, secret, auth_methods, grant_types, scope):
        self.client_id = client_id
        self.client_secret = secret
        self.auth_methods = auth_methods
        self.grant_types = grant_types
        self.scope = scope

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        allowed = set(scope_to_list(self.scope))
        return " ".join(s for s in scope_to_list(scope) if s in allowed)

    def check_client_secret(self, client_secret):
        return self.client_secret is not None and client_secret == self.client_secret

    def check_endpoint_auth_method(self, method, endpoint):
        return method in self.auth_methods

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types

    def check_response_type(self, response_type):
        return False

    def check_redirect_uri(self, redirect_uri):
        return False


GRANTS = [DEVICE_CODE_GRANT_TYPE, "refresh_token"]
SCOPE = "profile email offline_access"
CLIENTS = {
    # A confidential client; Authlib picks whichever method the request uses.
    "tv-confidential": Client(
        "tv-confidential", "tv-secret-123", ["client_secret_basic", "client_secret_post"], GRANTS, SCOPE
    ),
    # A secret with characters RFC 6749 §2.3.1 form-encodes inside Basic (Authlib 1.2 never decodes).
    "tv-reserved": Client("tv-reserved", "p+ss/w:rd=", ["client_secret_basic", "client_secret_post"], GRANTS, SCOPE),
    # A public client: the id alone.
    "tv-public": Client("tv-public", None, ["none"], GRANTS, SCOPE),
}


class Token(dict, TokenMixin):
    def check_client(self, client):
        return self["client_id"] == client.get_client_id()

    def get_scope(self):
        return self.get("scope")

    def get_expires_in(self):
        return self.get("expires_in")

    def is_expired(self):
        return False

    def is_revoked(self):
        return self.get("revoked", False)


def query_client(client_id):
    return CLIENTS.get(client_id)


def save_token(token, req):
    with lock:
        if req.grant_type == DEVICE_CODE_GRANT_TYPE:
            # A device code is exchanged once: forget it with the grant it carried.
            credential = device_credentials.pop(req.data.get("device_code"), None)
            if credential is not None:
                user_codes.pop(credential["user_code"], None)
                user_grants.pop(credential["user_code"], None)
        if token.get("refresh_token"):
            tokens[token["refresh_token"]] = Token(client_id=req.client.get_client_id(), user=req.user, **token)


def record(endpoint, req, client):
    with lock:
        log.append(
            {
                "endpoint": endpoint,
                "grant_type": req.data.get("grant_type"),
                "auth_method": req.auth_method,
                "client_id": client.get_client_id(),
                "body_client_id": req.form.get("client_id"),
                "basic": "Authorization" in req.headers,
            }
        )


class DeviceEndpoint(DeviceAuthorizationEndpoint):
    INTERVAL = args.interval
    EXPIRES_IN = 600

    def authenticate_client(self, req):
        client = super().authenticate_client(req)
        record("device_authorization", req, client)
        return client

    def get_verification_uri(self):
        return request.host_url + "device"

    def save_device_credential(self, client_id, scope, data):
        # Authlib files the device code under the *body's* client_id (request.client_id), not the
        # authenticated client: a Basic request without client_id in the body stores None.
        credential = DeviceCredentialDict(
            client_id=client_id, scope=scope, expires_at=time.time() + data["expires_in"], **data
        )
        with lock:
            device_credentials[data["device_code"]] = credential
            user_codes[data["user_code"]] = data["device_code"]


class DeviceGrant(DeviceCodeGrant):
    def authenticate_token_endpoint_client(self):
        client = super().authenticate_token_endpoint_client()
        record("token", self.request, client)
        return client

    def query_device_credential(self, device_code):
        with lock:
            return device_credentials.get(device_code)

    def query_user_grant(self, user_code):
        with lock:
            return user_grants.get(user_code)

    def should_slow_down(self, credential):
        # RFC 8628 §3.5: a poll sooner than the interval after the previous one is too fast. A
        # little slack for timer and loopback jitter.
        now = time.time()
        with lock:
            last = credential.get("last_poll")
            credential["last_poll"] = now
        return last is not None and now - last < args.interval - 0.05


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_token_endpoint_client(self):
        client = super().authenticate_token_endpoint_client()
        record("token", self.request, client)
        return client

    def authenticate_refresh_token(self, refresh_token):
        with lock:
            token = tokens.get(refresh_token)
        if token is not None and not token.is_revoked():
            return token
        return None

    def authenticate_user(self, credential):
        return credential["user"]

    def revoke_old_credential(self, credential):
        with lock:
            credential["revoked"] = True


app = Flask(__name__)
app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
server.register_endpoint(DeviceEndpoint)
server.register_grant(DeviceGrant)
server.register_grant(RefreshGrant)


@app.post("/device_authorization")
def device_authorization():
    return server.create_endpoint_response(DeviceEndpoint.ENDPOINT_NAME)


@app.post("/token")
def token():
    return server.create_token_response()


def user_decision(approved):
    user_code = request.form.get("user_code", "")
    with lock:
        if user_code not in user_codes:
            return jsonify(error="unknown user_code"), 404
        user_grants[user_code] = (USER, approved)
    return jsonify(ok=True)


@app.post("/approve")
def approve():
    return user_decision(True)


@app.post("/deny")
def deny():
    return user_decision(False)


@app.post("/expire")
def expire():
    user_code = request.form.get("user_code", "")
    with lock:
        device_code = user_codes.get(user_code)
        if device_code is None:
            return jsonify(error="unknown user_code"), 404
        device_credentials[device_code]["expires_at"] = time.time() - 1
    return jsonify(ok=True)


@app.get("/log")
def get_log():
    with lock:
        return jsonify(log)


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(json.dumps({"port": http.server_port, "authlib": authlib.__version__}), flush=True)
    http.serve_forever()
