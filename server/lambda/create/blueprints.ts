/** What "New function" can make: a handler of a kind, in Node.js or Python, with its resource and sample event. */
export const BLUEPRINTS = ['hello', 'http', 's3', 'sqs'] as const;
export type Blueprint = (typeof BLUEPRINTS)[number];
export const CREATE_RUNTIMES = ['nodejs22.x', 'nodejs20.x', 'python3.13', 'python3.12'] as const;
export type CreateRuntime = (typeof CREATE_RUNTIMES)[number];

export interface BlueprintFiles {
  /** The handler's file name in the function's folder, and its text. */
  file: string;
  code: string;
  /** `Handler:` of the resource. */
  handler: string;
  /** The resource's extra lines under Properties (Events), indented by 6. */
  properties: string;
}

const NODE: Record<Blueprint, (name: string) => string> = {
  hello: (name) => `// ${name}: the event in, a result out.
export const handler = async (event, context) => {
  console.log('event', JSON.stringify(event));
  return { message: \`Hello from \${context.functionName}\`, input: event };
};
`,
  http: () => `// An HTTP API route (payload 2.0): path parameters, query strings and a JSON body in, a response out.
export const handler = async (event) => {
  const name = event.pathParameters?.name ?? event.queryStringParameters?.name ?? 'world';
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hello: name, method: event.requestContext?.http?.method }),
  };
};
`,
  s3: () => `// S3 notifications: object keys arrive URL-encoded (spaces as +).
export const handler = async (event) => {
  const objects = event.Records.map((record) => ({
    bucket: record.s3.bucket.name,
    key: decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' ')),
    event: record.eventName,
  }));
  for (const o of objects) console.log(\`\${o.event} s3://\${o.bucket}/\${o.key}\`);
  return { processed: objects.length };
};
`,
  sqs: () => `// An SQS batch with partial failures (FunctionResponseTypes: ReportBatchItemFailures): the messages
// that failed are named, and only they come back to the queue.
export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      console.log('message', record.messageId, record.body);
      if (record.body.includes('fail')) throw new Error('this message asked to fail');
    } catch (err) {
      console.error('failed', record.messageId, err.message);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
`,
};

const PYTHON: Record<Blueprint, (name: string) => string> = {
  hello: (name) => `# ${name}: the event in, a result out.
import json


def handler(event, context):
    print("event", json.dumps(event))
    return {"message": f"Hello from {context.function_name}", "input": event}
`,
  http: () => `# An HTTP API route (payload 2.0): path parameters, query strings and a JSON body in, a response out.
import json


def handler(event, context):
    params = event.get("pathParameters") or {}
    query = event.get("queryStringParameters") or {}
    name = params.get("name") or query.get("name") or "world"
    method = event.get("requestContext", {}).get("http", {}).get("method")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"hello": name, "method": method}),
    }
`,
  s3: () => `# S3 notifications: object keys arrive URL-encoded (spaces as +).
from urllib.parse import unquote_plus


def handler(event, context):
    objects = [
        {"bucket": r["s3"]["bucket"]["name"], "key": unquote_plus(r["s3"]["object"]["key"]), "event": r["eventName"]}
        for r in event["Records"]
    ]
    for o in objects:
        print(f"{o['event']} s3://{o['bucket']}/{o['key']}")
    return {"processed": len(objects)}
`,
  sqs: () => `# An SQS batch with partial failures (FunctionResponseTypes: ReportBatchItemFailures): the messages
# that failed are named, and only they come back to the queue.
def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            print("message", record["messageId"], record["body"])
            if "fail" in record["body"]:
                raise ValueError("this message asked to fail")
        except Exception as err:
            print("failed", record["messageId"], err)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
`,
};

export function blueprintFiles(blueprint: Blueprint, runtime: CreateRuntime, name: string): BlueprintFiles {
  const node = runtime.startsWith('nodejs');
  const properties =
    blueprint === 'http'
      ? `      Events:\n        Get:\n          Type: HttpApi\n          Properties:\n            Path: /${name.toLowerCase()}/{name}\n            Method: get\n`
      : '';
  return node
    ? { file: 'app.mjs', code: NODE[blueprint](name), handler: 'app.handler', properties }
    : { file: 'app.py', code: PYTHON[blueprint](name), handler: 'app.handler', properties };
}
