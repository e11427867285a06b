# The `cfnresponse` module Lambda provides to Python functions written inline in a template
# (`ZipFile`/`InlineCode`), for custom resources: send(event, context, status, data, ...) PUTs the
# result to the pre-signed `event["ResponseURL"]`. Written for Nimbus after the module's documented
# behaviour, with the standard library only.
import json
import urllib.request

SUCCESS = "SUCCESS"
FAILED = "FAILED"


def send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False, reason=None):
    body = json.dumps({
        "Status": responseStatus,
        "Reason": reason or "See the details in CloudWatch Log Stream: {}".format(context.log_stream_name),
        "PhysicalResourceId": physicalResourceId or context.log_stream_name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    }).encode("utf-8")
    print("Response body:")
    print(body.decode("utf-8"))
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"content-type": "", "content-length": str(len(body))}
    )
    try:
        with urllib.request.urlopen(request) as response:
            print("Status code: {}".format(response.status))
    except Exception as e:
        print("send(..) failed executing http.request(..): {}".format(e))
