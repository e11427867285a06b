// The `cfn-response` module Lambda provides to Node.js functions written inline in a template
// (`ZipFile`/`InlineCode`), for custom resources: send(event, context, status, data, physicalResourceId,
// noEcho) PUTs the result to the pre-signed `event.ResponseURL` and then ends the invocation.
// Written for Nimbus after the module's documented behaviour.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, as the module inline code requires must be */
'use strict';

const SUCCESS = 'SUCCESS';
const FAILED = 'FAILED';

function send(event, context, responseStatus, responseData, physicalResourceId, noEcho) {
  const body = JSON.stringify({
    Status: responseStatus,
    Reason: `See the details in CloudWatch Log Stream: ${context.logStreamName}`,
    PhysicalResourceId: physicalResourceId || context.logStreamName,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: noEcho || false,
    Data: responseData,
  });
  console.log('Response body:\n', body);
  const url = new URL(event.ResponseURL);
  // Pre-signed S3 URLs are https; a local stand-in may be plain http.
  const transport = url.protocol === 'http:' ? require('http') : require('https');
  const request = transport.request(
    url,
    { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
    (response) => {
      console.log(`Status code: ${response.statusCode}`);
      response.resume();
      response.on('end', () => context.done());
    },
  );
  request.on('error', (error) => {
    console.log(`send(..) failed executing https.request(..): ${error}`);
    context.done();
  });
  request.end(body);
}

module.exports = { SUCCESS, FAILED, send };
