/** The template thread's entry point: reads a workspace's templates when asked (see TemplateThread). */
import { parentPort } from 'node:worker_threads';
import type { PseudoParameters } from '../types.js';
import { discoverFunctions, parseTemplate } from './discover.js';

const SAMPLE = `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String, Default: dev }
Globals:
  Function: { Timeout: 10, Runtime: nodejs20.x, Environment: { Variables: { STAGE: !Ref Stage } } }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Events:
        Api: { Type: Api, Properties: { Path: /hello, Method: get } }
      Environment:
        Variables:
          TABLE: !Ref Table
      Policies:
        - DynamoDBCrudPolicy: { TableName: !Ref Table }
        - Statement: [{ Effect: Allow, Action: ['s3:GetObject'], Resource: !Sub 'arn:aws:s3:::\${Stage}/*' }]
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "\${AWS::StackName}-items"
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
Outputs:
  Api: { Value: !GetAtt Fn.Arn }
`;

parentPort?.on('message', (message: { warm?: boolean; id: number; root: string; pseudo: PseudoParameters; cacheFile?: string }) => {
  if (message.warm) {
    parseTemplate('template.yaml', SAMPLE);
    return;
  }
  discoverFunctions(message.root, message.pseudo, message.cacheFile).then(
    (result) => parentPort?.postMessage({ id: message.id, result }),
    (err: unknown) => parentPort?.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
