# Nimbus's Python runtime client: imports the handler, then loops on the public Lambda Runtime API
# (GET /invocation/next, POST /invocation/{id}/response|error, POST /init/error) like AWS's own client.
# Standard library only, so it runs on the machine's python3 as is.
import http.client
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

# This file's folder must not shadow the function's modules (a handler module named "runtime", say).
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

API = "/2018-06-01/runtime"
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
request_id = None


def call(method, path, body=None, headers=None):
    global conn
    for attempt in (1, 2):
        try:
            if conn.sock is None:
                conn.connect()
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.request(method, API + path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, res.headers, res.read()
        except (ConnectionError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, int(port))
            if attempt == 2:
                raise


class LambdaLogHandler(logging.Handler):
    """The logging module's output as Lambda formats it: level, time, request id, message."""

    def emit(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs
        message = self.format(record).replace("\n", "\r")
        sys.stdout.write("[%s]\t%s\t%s\t%s\n" % (record.levelname, stamp, request_id, message))
        sys.stdout.flush()


logging.getLogger().addHandler(LambdaLogHandler())
logging.getLogger().setLevel(logging.WARNING)


def error_body(exc, error_type=None, skip_frames=0):
    frames = traceback.extract_tb(exc.__traceback__)[skip_frames:] if exc.__traceback__ else []
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id or "",
        "stackTrace": traceback.format_list(frames),
    }


def flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def init_error(body):
    print("[ERROR] %s: %s" % (body["errorType"], body["errorMessage"]), flush=True)
    try:
        call("POST", "/init/error", json.dumps(body), {"Lambda-Runtime-Function-Error-Type": body["errorType"], "Content-Type": "application/json"})
    finally:
        sys.exit(1)


def load_handler(handler):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as exc:
        init_error({**error_body(exc, "Runtime.MalformedHandlerName"), "errorMessage": "Bad handler '%s': %s" % (handler, exc)})
    sys.path.insert(0, TASK_ROOT)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        init_error({**error_body(exc, "Runtime.ImportModuleError", 1), "errorMessage": "Unable to import module '%s': %s" % (module_name, exc)})
    except SyntaxError as exc:
        init_error({**error_body(exc, "Runtime.UserCodeSyntaxError", 1), "errorMessage": "Syntax error in module '%s': %s" % (module_name, exc)})
    except Exception as exc:  # the module's own code raised while being imported
        init_error(error_body(exc, None, 1))
    fn = getattr(module, function_name, None)
    if not callable(fn):
        init_error({"errorMessage": "Handler '%s' missing on module '%s'" % (function_name, module_name), "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []})
    return fn


class LambdaContext:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        identity = headers.get("Lambda-Runtime-Cognito-Identity")
        client_context = headers.get("Lambda-Runtime-Client-Context")
        self.identity = json.loads(identity) if identity else None
        self.client_context = json.loads(client_context) if client_context else None
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def main():
    global request_id
    handler = load_handler(os.environ.get("_HANDLER", ""))
    while True:
        status, headers, body = call("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("runtime API answered %s to next" % status)
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            result = handler(json.loads(body), LambdaContext(headers))
            try:
                payload = json.dumps(result)
            except (TypeError, ValueError) as exc:
                marshal_error = {"errorMessage": "Unable to marshal response: %s" % exc, "errorType": "Runtime.MarshalError", "requestId": request_id, "stackTrace": []}
                flush()
                call("POST", "/invocation/%s/error" % request_id, json.dumps(marshal_error), {"Lambda-Runtime-Function-Error-Type": "Runtime.MarshalError", "Content-Type": "application/json"})
                continue
        except Exception as exc:
            error = error_body(exc, None, 1)
            print("[ERROR] %s: %s" % (error["errorType"], error["errorMessage"]))
            flush()
            call("POST", "/invocation/%s/error" % request_id, json.dumps(error), {"Lambda-Runtime-Function-Error-Type": error["errorType"], "Content-Type": "application/json"})
            continue
        flush()
        call("POST", "/invocation/%s/response" % request_id, payload, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
