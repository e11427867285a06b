import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SAMPLE_EVENTS } from '../client/src/sidebar/lambda/samples.js';

const ctx = { region: 'eu-west-1', accountId: '123456789012', functionName: 'Fn' };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- sample events are read field by field below
type Loose = Record<string, any>;
const build = async (id: string): Promise<Loose> =>
  (await (SAMPLE_EVENTS.find((s) => s.id === id) as (typeof SAMPLE_EVENTS)[number]).build(ctx)) as Loose;

describe('sample events carry what each service sends', () => {
  it('every sample builds to JSON, and names the workspace region and account where the service would', async () => {
    expect(SAMPLE_EVENTS.map((s) => s.id)).toEqual([
      'apigateway-aws-proxy',
      'apigateway-http-api-proxy',
      'alb',
      's3-put',
      's3-delete',
      'sqs-receive-message',
      'sns-notification',
      'eventbridge',
      'scheduled',
      'dynamodb-update',
      'kinesis-get-records',
      'cognito-pre-signup',
      'cloudwatch-logs',
      'stepfunctions-task',
    ]);
    for (const sample of SAMPLE_EVENTS) {
      const event = await sample.build(ctx);
      expect(JSON.parse(JSON.stringify(event)), sample.id).toEqual(event);
    }
    expect((await build('sqs-receive-message')).Records[0].eventSourceARN).toBe('arn:aws:sqs:eu-west-1:123456789012:MyQueue');
    expect(await build('scheduled')).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      region: 'eu-west-1',
    });
  });

  it('the details services are particular about', async () => {
    const sqs = (await build('sqs-receive-message')).Records[0];
    expect(sqs.md5OfBody).toBe(createHash('md5').update(sqs.body).digest('hex'));
    const put = (await build('s3-put')).Records[0];
    expect(put).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { object: { size: 1024 } } });
    const del = (await build('s3-delete')).Records[0];
    expect(del.eventName).toBe('ObjectRemoved:Delete');
    expect(del.s3.object.size).toBeUndefined(); // a delete carries no size nor eTag
    const logs = await build('cloudwatch-logs');
    const decoded = JSON.parse(gunzipSync(Buffer.from(logs.awslogs.data, 'base64')).toString('utf8'));
    expect(decoded).toMatchObject({ messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: '/aws/lambda/Fn' });
    expect(decoded.logEvents).toHaveLength(2);
    const kinesis = (await build('kinesis-get-records')).Records[0];
    expect(Buffer.from(kinesis.kinesis.data, 'base64').toString()).toBe('Hello, this is a test.');
    expect((await build('dynamodb-update')).Records.map((r: { eventName: string }) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(await build('apigateway-http-api-proxy')).toMatchObject({ version: '2.0', requestContext: { http: { method: 'POST' } } });
  });
});
