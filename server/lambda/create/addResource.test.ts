import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../template/discover.js';
import { addResource, putResource, TemplateEditError } from './addResource.js';

const BODY =
  '    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: New/\n      Handler: app.handler\n      Runtime: nodejs22.x\n';

const resourcesOf = (text: string): Record<string, unknown> => {
  const parsed = parseTemplate('template.yaml', text);
  if (!parsed || !('template' in parsed)) throw new Error(`not a template: ${JSON.stringify(parsed)}`);
  return parsed.template.Resources as Record<string, unknown>;
};

describe('adding a resource to a template changes nothing else, byte for byte', () => {
  const TEMPLATE = `# Comments stay.
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String, Default: dev }   # inline comment
Resources:
  # the table
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "\${AWS::StackName}-\${Stage}"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Table.Arn

# outputs follow
Outputs:
  Name: { Value: !Ref Fn }
`;

  it('inserts after the last resource, at the resources’ indentation', () => {
    const out = addResource(TEMPLATE, 'New', BODY);
    const inserted = `  New:\n${BODY}`;
    expect(out.replace(inserted, '')).toBe(TEMPLATE);
    expect(Object.keys(resourcesOf(out))).toEqual(['Table', 'Fn', 'New']);
    expect(resourcesOf(out).Fn).toEqual(resourcesOf(TEMPLATE).Fn); // !Ref, !GetAtt untouched
  });

  it('follows another indentation, a template without Resources, an empty Resources, no final newline', () => {
    const four = 'Resources:\n    A:\n        Type: AWS::SNS::Topic\n';
    expect(Object.keys(resourcesOf(addResource(four, 'New', BODY)))).toEqual(['A', 'New']);
    expect(addResource(four, 'New', BODY).startsWith(four)).toBe(true);
    const none = 'AWSTemplateFormatVersion: "2010-09-09"\nOutputs: {}';
    expect(Object.keys(resourcesOf(addResource(none, 'New', BODY)))).toEqual(['New']);
    for (const empty of ['Resources:\n', 'Resources: {}\n', 'Resources:']) {
      expect(Object.keys(resourcesOf(addResource(empty, 'New', BODY))), empty).toEqual(['New']);
    }
    const last = 'Resources:\n  A:\n    Type: AWS::SNS::Topic';
    expect(Object.keys(resourcesOf(addResource(last, 'New', BODY)))).toEqual(['A', 'New']);
  });

  it('makes a template when there is none; refuses a duplicate id, flow-style Resources and broken YAML', () => {
    expect(Object.keys(resourcesOf(addResource(undefined, 'New', BODY)))).toEqual(['New']);
    expect(() => addResource(TEMPLATE, 'Fn', BODY)).toThrow(TemplateEditError);
    expect(() => addResource('Resources: { A: { Type: X } }\n', 'New', BODY)).toThrow(/flow style/);
    expect(() => addResource('Resources: [\n', 'New', BODY)).toThrow(/YAML error/);
  });

  it('puts a resource in place of the one with its logical ID, keeping the comments around it and the rest', () => {
    const replaced = putResource(TEMPLATE, 'Table', BODY);
    expect(Object.keys(resourcesOf(replaced))).toEqual(['Table', 'Fn']);
    expect(resourcesOf(replaced).Table).toEqual(resourcesOf(addResource('', 'Table', BODY)).Table);
    const [before, after] = TEMPLATE.split(/ {2}Table:\n[\s\S]*?(?= {2}Fn:)/);
    expect(replaced).toBe(`${before}  Table:\n${BODY}${after}`);
    // The last resource, before a comment and the next section.
    const last = putResource(TEMPLATE, 'Fn', BODY);
    expect(last.endsWith('\n# outputs follow\nOutputs:\n  Name: { Value: !Ref Fn }\n')).toBe(true);
    expect(resourcesOf(last).Table).toEqual(resourcesOf(TEMPLATE).Table);
    expect((resourcesOf(last).Fn as { Properties: unknown }).Properties).toEqual({
      CodeUri: 'New/',
      Handler: 'app.handler',
      Runtime: 'nodejs22.x',
    });
    // Absent: added.
    expect(Object.keys(resourcesOf(putResource(TEMPLATE, 'New', BODY)))).toEqual(['Table', 'Fn', 'New']);
  });
});
