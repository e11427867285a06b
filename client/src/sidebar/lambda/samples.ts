/**
 * Sample events, as `sam local generate-event` makes them: what each AWS service sends a function, with
 * the fields it really sends (from the services' documentation of their Lambda events). Values name this
 * workspace's region and account, so ARNs look like the function's own.
 */
import { gatewayTime } from '../../../../shared/lambda.js';

export interface SampleContext {
  region: string;
  accountId: string;
  functionName: string;
}

export interface SampleEvent {
  id: string;
  label: string;
  build(ctx: SampleContext): Promise<unknown>;
}

const uuid = (): string => crypto.randomUUID();
const nowIso = (): string => new Date().toISOString();
const b64 = (text: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

async function gzipBase64(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

const SQS_BODY = 'Hello from SQS!';
/** MD5 of SQS_BODY (SQS sends the body's MD5; the browser has no MD5 to compute it). */
const SQS_BODY_MD5 = '7b270e59b47ff90a553787216d55d91d';

export const SAMPLE_EVENTS: SampleEvent[] = [
  {
    id: 'apigateway-aws-proxy',
    label: 'API Gateway REST API (proxy, payload 1.0)',
    build: async ({ region, accountId }) => {
      const now = new Date();
      return {
        resource: '/{proxy+}',
        path: '/hello/world',
        httpMethod: 'POST',
        headers: {
          Accept: '*/*',
          'Content-Type': 'application/json',
          Host: `1234567890.execute-api.${region}.amazonaws.com`,
          'User-Agent': 'curl/8.5.0',
        },
        multiValueHeaders: {
          Accept: ['*/*'],
          'Content-Type': ['application/json'],
          Host: [`1234567890.execute-api.${region}.amazonaws.com`],
          'User-Agent': ['curl/8.5.0'],
        },
        queryStringParameters: { name: 'me' },
        multiValueQueryStringParameters: { name: ['me'] },
        pathParameters: { proxy: 'hello/world' },
        stageVariables: null,
        requestContext: {
          accountId,
          apiId: '1234567890',
          domainName: `1234567890.execute-api.${region}.amazonaws.com`,
          extendedRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
          httpMethod: 'POST',
          identity: {
            sourceIp: '127.0.0.1',
            userAgent: 'curl/8.5.0',
            accessKey: null,
            accountId: null,
            caller: null,
            user: null,
            userArn: null,
          },
          path: '/prod/hello/world',
          protocol: 'HTTP/1.1',
          requestId: uuid(),
          requestTime: gatewayTime(now),
          requestTimeEpoch: now.getTime(),
          resourceId: '123456',
          resourcePath: '/{proxy+}',
          stage: 'prod',
        },
        body: '{"test":"body"}',
        isBase64Encoded: false,
      };
    },
  },
  {
    id: 'apigateway-http-api-proxy',
    label: 'API Gateway HTTP API (payload 2.0)',
    build: async ({ region, accountId }) => {
      const now = new Date();
      return {
        version: '2.0',
        routeKey: 'POST /hello/{name}',
        rawPath: '/hello/world',
        rawQueryString: 'q=1&q=2',
        cookies: ['session=abc'],
        headers: { 'content-type': 'application/json', host: `1234567890.execute-api.${region}.amazonaws.com`, 'user-agent': 'curl/8.5.0' },
        queryStringParameters: { q: '1,2' },
        requestContext: {
          accountId,
          apiId: '1234567890',
          domainName: `1234567890.execute-api.${region}.amazonaws.com`,
          domainPrefix: '1234567890',
          http: { method: 'POST', path: '/hello/world', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8.5.0' },
          requestId: uuid(),
          routeKey: 'POST /hello/{name}',
          stage: '$default',
          time: gatewayTime(now),
          timeEpoch: now.getTime(),
        },
        body: '{"test":"body"}',
        pathParameters: { name: 'world' },
        isBase64Encoded: false,
      };
    },
  },
  {
    id: 'alb',
    label: 'Application Load Balancer request',
    build: async ({ region, accountId }) => ({
      requestContext: {
        elb: { targetGroupArn: `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/lambda-target/abcdef123456` },
      },
      httpMethod: 'GET',
      path: '/lambda',
      queryStringParameters: { query: '1234ABCD' },
      headers: {
        accept: 'text/html',
        host: 'lambda-alb-123578498.elb.amazonaws.com',
        'user-agent': 'Mozilla/5.0',
        'x-amzn-trace-id': 'Root=1-5c536348-3d683b8b04734faae651f476',
        'x-forwarded-for': '72.12.164.125',
        'x-forwarded-port': '80',
        'x-forwarded-proto': 'http',
      },
      body: '',
      isBase64Encoded: false,
    }),
  },
  ...(['put', 'delete'] as const).map((kind): SampleEvent => ({
    id: `s3-${kind}`,
    label: kind === 'put' ? 'S3 object created (Put)' : 'S3 object removed (Delete)',
    build: async ({ region }) => ({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: region,
          eventTime: nowIso(),
          eventName: kind === 'put' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
          userIdentity: { principalId: 'EXAMPLE' },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: {
            'x-amz-request-id': 'EXAMPLE123456789',
            'x-amz-id-2': 'EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH',
          },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'testConfigRule',
            bucket: { name: 'example-bucket', ownerIdentity: { principalId: 'EXAMPLE' }, arn: 'arn:aws:s3:::example-bucket' },
            // Keys arrive URL-encoded (spaces as +), as S3 sends them.
            object:
              kind === 'put'
                ? { key: 'uploads/my+photo.jpg', size: 1024, eTag: '0123456789abcdef0123456789abcdef', sequencer: '0A1B2C3D4E5F678901' }
                : { key: 'uploads/my+photo.jpg', sequencer: '0A1B2C3D4E5F678901' },
          },
        },
      ],
    }),
  })),
  {
    id: 'sqs-receive-message',
    label: 'SQS messages (batch)',
    build: async ({ region, accountId }) => ({
      Records: [
        {
          messageId: uuid(),
          receiptHandle: 'MessageReceiptHandle',
          body: SQS_BODY,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: '123456789012',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: SQS_BODY_MD5,
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:${region}:${accountId}:MyQueue`,
          awsRegion: region,
        },
      ],
    }),
  },
  {
    id: 'sns-notification',
    label: 'SNS notification',
    build: async ({ region, accountId }) => ({
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: `arn:aws:sns:${region}:${accountId}:ExampleTopic:${uuid()}`,
          Sns: {
            Type: 'Notification',
            MessageId: uuid(),
            TopicArn: `arn:aws:sns:${region}:${accountId}:ExampleTopic`,
            Subject: 'example subject',
            Message: 'example message',
            Timestamp: nowIso(),
            SignatureVersion: '1',
            Signature: 'EXAMPLE',
            SigningCertUrl: `https://sns.${region}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`,
            UnsubscribeUrl: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:${region}:${accountId}:ExampleTopic`,
            MessageAttributes: { Test: { Type: 'String', Value: 'TestString' } },
          },
        },
      ],
    }),
  },
  {
    id: 'eventbridge',
    label: 'EventBridge event',
    build: async ({ region, accountId }) => ({
      version: '0',
      id: uuid(),
      'detail-type': 'Order Placed',
      source: 'com.example.orders',
      account: accountId,
      time: nowIso().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [],
      detail: { orderId: '1234', amount: 42 },
    }),
  },
  {
    id: 'scheduled',
    label: 'Scheduled event (EventBridge rule)',
    build: async ({ region, accountId }) => ({
      version: '0',
      id: uuid(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: accountId,
      time: nowIso().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [`arn:aws:events:${region}:${accountId}:rule/my-schedule`],
      detail: {},
    }),
  },
  {
    id: 'dynamodb-update',
    label: 'DynamoDB stream records',
    build: async ({ region, accountId }) => {
      const stream = `arn:aws:dynamodb:${region}:${accountId}:table/ExampleTable/stream/2024-01-01T00:00:00.000`;
      const record = (eventName: string, seq: string, images: Record<string, unknown>): unknown => ({
        eventID: uuid().replace(/-/g, ''),
        eventName,
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: region,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
          Keys: { Id: { N: '101' } },
          ...images,
          SequenceNumber: seq,
          SizeBytes: 26,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
        eventSourceARN: stream,
      });
      return {
        Records: [
          record('INSERT', '111', { NewImage: { Message: { S: 'New item!' }, Id: { N: '101' } } }),
          record('MODIFY', '222', {
            NewImage: { Message: { S: 'This item has changed' }, Id: { N: '101' } },
            OldImage: { Message: { S: 'New item!' }, Id: { N: '101' } },
          }),
          record('REMOVE', '333', { OldImage: { Message: { S: 'This item has changed' }, Id: { N: '101' } } }),
        ],
      };
    },
  },
  {
    id: 'kinesis-get-records',
    label: 'Kinesis records',
    build: async ({ region, accountId }) => ({
      Records: [
        {
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: '1',
            sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
            data: b64('Hello, this is a test.'),
            approximateArrivalTimestamp: Date.now() / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898',
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: `arn:aws:iam::${accountId}:role/lambda-role`,
          awsRegion: region,
          eventSourceARN: `arn:aws:kinesis:${region}:${accountId}:stream/lambda-stream`,
        },
      ],
    }),
  },
  {
    id: 'cognito-pre-signup',
    label: 'Cognito user pool trigger (pre sign-up)',
    build: async ({ region }) => ({
      version: '1',
      region,
      userPoolId: `${region}_EXAMPLE`,
      userName: 'jane',
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
      triggerSource: 'PreSignUp_SignUp',
      request: { userAttributes: { email: 'jane@example.com', name: 'Jane' }, validationData: null },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    }),
  },
  {
    id: 'cloudwatch-logs',
    label: 'CloudWatch Logs subscription (gzipped, base64)',
    build: async ({ accountId, functionName }) => ({
      awslogs: {
        data: await gzipBase64(
          JSON.stringify({
            messageType: 'DATA_MESSAGE',
            owner: accountId,
            logGroup: `/aws/lambda/${functionName}`,
            logStream: '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
            subscriptionFilters: ['LambdaStream_cloudwatchlogs-node'],
            logEvents: [
              { id: '34622316099697884706540976068822859012661220141643892546', timestamp: Date.now(), message: 'first log line' },
              { id: '34622316099697884706540976068822859012661220141643892547', timestamp: Date.now(), message: 'second log line' },
            ],
          }),
        ),
      },
    }),
  },
  {
    id: 'stepfunctions-task',
    label: 'Step Functions task (waitForTaskToken)',
    build: async ({ region, accountId }) => ({
      taskToken: b64(uuid()),
      input: { orderId: '1234' },
      executionArn: `arn:aws:states:${region}:${accountId}:execution:MyStateMachine:${uuid()}`,
    }),
  },
];
