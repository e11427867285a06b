import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTemplate, readLeniently } from './discover.js';
import { readQuickly } from './fastYaml.js';

/** Every template of the test corpus, and forms the corpus does not happen to use. */
function corpus(): { file: string; text: string }[] {
  const found: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(abs);
      else if (/^template\.(ya?ml|json)$/.test(entry.name)) found.push({ file: abs, text: fs.readFileSync(abs, 'utf8') });
    }
  };
  walk(path.resolve('test/fixtures'));
  return found;
}

const FORMS = `AWSTemplateFormatVersion: '2010-09-09'   # a comment
Parameters:
  "Quoted": { Type: String }
  'Single': { Type: Number, Default: 0x1F }
  Plain: {Type: String, Default: +.5}
Conditions:
  IsProd: !Equals [!Ref Quoted, prod]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Description: >
        folded
        text
      InlineCode: |
        exports.handler = async () => 'a: b # not a comment';
      Environment:
        Variables:
          A: !Sub
            - '\${X}-x'
            - { X: !GetAtt Other.Arn.Deep }
          B: !If
            - IsProd
            - !Join [',', [a, b]]
            - !Ref AWS::NoValue
          C: !Select [0, !Split [',', "a,b"]]
          D: !FindInMap { Map: M }
          E: ~
          F: 1e3
          G: "tab\\tand \\u00e9"
          H: 'it''s'
          I: 2010-09-09
          J: [true, False, NULL, .inf, -.Inf, 0o17, 017]
  "Other":
    Type: AWS::S3::Bucket
  ? Explicit
  : Type: AWS::SNS::Topic
Outputs: {}
`;

const JSON_TEMPLATE = JSON.stringify(
  { Parameters: { P: { Type: 'String' } }, Resources: { Fn: { Type: 'AWS::Lambda::Function' } } },
  null,
  2,
);

describe('the quick YAML reader reads templates exactly as the lenient one', () => {
  it('gives the same values and key positions for every template of the corpus and unusual forms', () => {
    const cases = [...corpus(), { file: 'forms.yaml', text: FORMS }, { file: 'template.json', text: JSON_TEMPLATE }];
    expect(cases.length).toBeGreaterThan(10);
    let quick = 0;
    for (const { file, text } of cases) {
      const slow = readLeniently(file, text);
      const fast = readQuickly(text, ['Resources', 'Parameters']);
      if (!fast) continue; // the lenient reader alone reads it (warnings, errors)
      quick++;
      expect(slow && 'template' in slow, file).toBe(true);
      if (!slow || !('template' in slow)) continue;
      expect(fast.value, file).toStrictEqual(slow.template);
      expect(fast.keyLines.get('Resources'), file).toStrictEqual(slow.positions);
      expect(fast.keyLines.get('Parameters') ?? new Map(), file).toStrictEqual(slow.paramLines);
      expect(parseTemplate(file, text), file).toStrictEqual(slow);
    }
    // Nearly every real template goes the quick way.
    expect(quick).toBeGreaterThanOrEqual(cases.length - 3);
  });

  it('leaves to the lenient reader what needs leniency, a warning or an error position', () => {
    const needsLeniency = [
      'Resources:\n  Fn: { Type: A }\n  Fn: { Type: B }\n', // a key twice
      'Resources:\n  Fn:\n    Type: A\n    Properties:\n      Layers: [\n      !Ref L\n      ]\n', // flow at the key's level
      'Resources:\n  Fn: &a { Type: A }\n  Gn: *a\n', // aliases
      'Resources: {}\n---\nResources: {}\n', // two documents
      'Resources:\n  Fn: !Unknown x\n', // a tag CloudFormation does not have
      'Resources:\n  Fn: [\n', // a syntax error
      '', // nothing at all
    ];
    for (const text of needsLeniency) expect(readQuickly(text, ['Resources']), text).toBeUndefined();
    // …and the lenient reader still warns, or names the line.
    expect(parseTemplate('t.yaml', needsLeniency[0] as string)).toMatchObject({ warnings: [{ line: 3, severity: 'warning' }] });
    expect(parseTemplate('t.yaml', needsLeniency[5] as string)).toMatchObject({ file: 't.yaml', line: 3 });
  });
});
