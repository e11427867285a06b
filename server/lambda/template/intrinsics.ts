/**
 * Evaluates CloudFormation intrinsic functions as far as a template can be evaluated without deploying it:
 * parameters with defaults, pseudo parameters, conditions, mappings, and the names and ARNs of resources
 * whose physical names the template states. Anything else becomes an `Unresolved` value that says why,
 * so one unknowable value never makes a whole template unreadable.
 */

export class Unresolved {
  constructor(
    /** The expression, shortened, as the template author wrote it (`!GetAtt Table.StreamArn`). */
    readonly expression: string,
    readonly reason: string,
  ) {}

  toString(): string {
    return `${this.expression} (${this.reason})`;
  }
}

/** `AWS::NoValue`: the property or list item disappears. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface ResolveScope {
  parameters: Map<string, unknown>;
  /** Declared parameters without a Default. */
  parametersWithoutDefault: Set<string>;
  pseudo: Map<string, unknown>;
  /** `Ref` of a resource whose value is known locally (a function's name, a table's TableName). */
  refs: Map<string, unknown>;
  /** `Fn::GetAtt` values known locally, keyed `LogicalId.Attribute`. */
  attributes: Map<string, unknown>;
  resources: Set<string>;
  conditions: Record<string, unknown>;
  mappings: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isIntrinsic(v: Record<string, unknown>): string | undefined {
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  if (key === 'Ref' || key.startsWith('Fn::')) return key;
  if (key === 'Condition' && typeof v.Condition === 'string') return key;
  return undefined;
}

/** A short, YAML-like rendering of an expression, for messages. */
export function describe(expr: unknown): string {
  if (isObject(expr)) {
    const key = isIntrinsic(expr);
    if (key) {
      const arg = expr[key];
      const tag = `!${key.replace(/^Fn::/, '')}`;
      if (key === 'Fn::GetAtt' && Array.isArray(arg))
        return `${tag} ${arg.map((a) => (typeof a === 'string' ? a : describe(a))).join('.')}`;
      const text = typeof arg === 'string' ? arg : JSON.stringify(arg);
      return `${tag} ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
    }
  }
  const text = JSON.stringify(expr) ?? String(expr);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Finds the first Unresolved anywhere inside a value. */
export function findUnresolved(v: unknown): Unresolved | undefined {
  if (v instanceof Unresolved) return v;
  if (Array.isArray(v)) {
    for (const item of v) {
      const found = findUnresolved(item);
      if (found) return found;
    }
  } else if (isObject(v)) {
    for (const item of Object.values(v)) {
      const found = findUnresolved(item);
      if (found) return found;
    }
  }
  return undefined;
}

const scalarText = (v: unknown, what: string): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Unresolved(what, `expected a string, got ${Array.isArray(v) ? 'a list' : typeof v}`);
};

/** Thrown when a template needs more work to evaluate than any real one does: the whole template is refused. */
export class BudgetExceeded extends Error {}

/**
 * What evaluating one template may cost. Mappings and joins can refer to each other so that a few
 * lines double the work per level (a 1.8 KB template took the server down); real templates need a
 * tiny fraction of this.
 */
export const TEMPLATE_BUDGET = { steps: 200_000, chars: 4 * 1024 * 1024 };

export class Resolver {
  private readonly conditionValues = new Map<string, boolean | 'evaluating'>();
  private steps = 0;
  private chars = 0;

  constructor(private readonly scope: ResolveScope) {}

  /** Resolves every intrinsic inside `value`; unknowable parts become `Unresolved`. */
  resolve(value: unknown): unknown {
    if (++this.steps > TEMPLATE_BUDGET.steps) {
      throw new BudgetExceeded(
        `evaluating it takes more than ${TEMPLATE_BUDGET.steps} steps (intrinsic functions or mappings that refer to each other too often)`,
      );
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) {
        const r = this.resolve(item);
        if (r !== NO_VALUE) out.push(r);
      }
      return out;
    }
    if (isObject(value)) {
      const key = isIntrinsic(value);
      if (key) return this.intrinsic(key, value[key], value);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = this.resolve(v);
        if (r !== NO_VALUE) out[k] = r;
      }
      return out;
    }
    return value;
  }

  /** The value of a named condition; throws `Unresolved` when it depends on something unknowable. */
  condition(name: string): boolean {
    const known = this.conditionValues.get(name);
    if (known === 'evaluating') throw new Unresolved(`!Condition ${name}`, 'the condition refers to itself');
    if (known !== undefined) return known;
    if (!(name in this.scope.conditions)) throw new Unresolved(`!Condition ${name}`, `no condition named ${name}`);
    this.conditionValues.set(name, 'evaluating');
    try {
      const value = this.need(this.scope.conditions[name], `!Condition ${name}`);
      if (typeof value !== 'boolean') throw new Unresolved(`!Condition ${name}`, 'a condition must evaluate to true or false');
      this.conditionValues.set(name, value);
      return value;
    } catch (err) {
      this.conditionValues.delete(name);
      throw err;
    }
  }

  /** A fully resolved value, or a thrown `Unresolved`. */
  private need(value: unknown, what: string): unknown {
    const r = this.resolve(value);
    const unresolved = findUnresolved(r);
    if (unresolved) throw unresolved;
    if (r === NO_VALUE) throw new Unresolved(what, 'AWS::NoValue cannot be used here');
    return r;
  }

  private intrinsic(key: string, arg: unknown, whole: unknown): unknown {
    try {
      return this.evaluate(key, arg, describe(whole));
    } catch (err) {
      if (err instanceof Unresolved) return new Unresolved(describe(whole), err.reason);
      throw err;
    }
  }

  private list(arg: unknown, what: string, min: number): unknown[] {
    if (!Array.isArray(arg) || arg.length < min) throw new Unresolved(what, `expects a list of at least ${min} items`);
    return arg;
  }

  private evaluate(key: string, arg: unknown, what: string): unknown {
    const s = this.scope;
    switch (key) {
      case 'Ref':
        return this.ref(scalarText(arg, what));
      case 'Condition':
        return this.condition(scalarText(arg, what));
      case 'Fn::GetAtt': {
        const parts =
          typeof arg === 'string'
            ? arg.split(/\.(.*)/s).slice(0, 2)
            : this.list(arg, what, 2).map((p) => scalarText(this.need(p, what), what));
        const id = `${parts[0]}.${parts[1]}`;
        if (s.attributes.has(id)) return s.attributes.get(id);
        if (!s.resources.has(parts[0] as string)) throw new Unresolved(what, `${parts[0]} is not a resource of this template`);
        throw new Unresolved(what, `${id} is only known after deployment`);
      }
      case 'Fn::Sub':
        return this.produced(this.sub(arg, what));
      case 'Fn::If': {
        const [cond, whenTrue, whenFalse] = this.list(arg, what, 3);
        return this.resolve(this.condition(scalarText(cond, what)) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = this.list(arg, what, 2).map((v) => this.need(v, what));
        return JSON.stringify(a) === JSON.stringify(b) || (isScalar(a) && isScalar(b) && String(a) === String(b));
      }
      case 'Fn::Not':
        return !this.bool(this.list(arg, what, 1)[0], what);
      case 'Fn::And':
        return this.list(arg, what, 2).every((c) => this.bool(c, what));
      case 'Fn::Or':
        return this.list(arg, what, 2).some((c) => this.bool(c, what));
      case 'Fn::Join': {
        const [delimiter, items] = this.list(arg, what, 2);
        const list = this.need(items, what);
        if (!Array.isArray(list)) throw new Unresolved(what, 'the second argument must be a list');
        return this.produced(list.map((v) => scalarText(v, what)).join(scalarText(delimiter, what)));
      }
      case 'Fn::Select': {
        const [index, items] = this.list(arg, what, 2);
        const list = this.need(items, what);
        const i = Number(this.need(index, what));
        if (!Array.isArray(list) || !Number.isInteger(i) || i < 0 || i >= list.length) throw new Unresolved(what, 'index out of range');
        return list[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.list(arg, what, 2);
        return scalarText(this.need(source, what), what).split(scalarText(delimiter, what));
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = this.list(arg, what, 3).map((v) => scalarText(this.need(v, what), what));
        const found = (s.mappings[map as string] as Record<string, Record<string, unknown>> | undefined)?.[top as string]?.[
          second as string
        ];
        if (found === undefined) throw new Unresolved(what, `no ${map}.${top}.${second} in Mappings`);
        return this.resolve(found);
      }
      case 'Fn::Base64':
        return this.produced(Buffer.from(scalarText(this.need(arg, what), what)).toString('base64'));
      case 'Fn::GetAZs': {
        const region = scalarText(this.need(arg, what), what) || String(s.pseudo.get('AWS::Region'));
        return [`${region}a`, `${region}b`, `${region}c`];
      }
      case 'Fn::Length': {
        const list = this.need(arg, what);
        if (!Array.isArray(list)) throw new Unresolved(what, 'expects a list');
        return list.length;
      }
      case 'Fn::ToJsonString':
        return this.produced(JSON.stringify(this.need(arg, what)));
      case 'Fn::ImportValue':
        throw new Unresolved(what, 'exports of other stacks are only known after deployment');
      default:
        throw new Unresolved(what, `${key} is not evaluated locally`);
    }
  }

  /** Counts the text that functions build, against the budget. */
  private produced(text: string): string {
    this.chars += text.length;
    if (this.chars > TEMPLATE_BUDGET.chars)
      throw new BudgetExceeded(`evaluating it builds more than ${TEMPLATE_BUDGET.chars} characters of text`);
    return text;
  }

  private bool(cond: unknown, what: string): boolean {
    const v = this.need(cond, what);
    if (typeof v !== 'boolean') throw new Unresolved(what, 'a condition function needs true or false');
    return v;
  }

  private ref(name: string): unknown {
    const s = this.scope;
    if (s.pseudo.has(name)) return s.pseudo.get(name);
    if (s.parameters.has(name)) return s.parameters.get(name);
    if (s.parametersWithoutDefault.has(name))
      throw new Unresolved(`!Ref ${name}`, `parameter ${name} has no value: no Default, and no override`);
    if (s.refs.has(name)) return s.refs.get(name);
    if (s.resources.has(name)) throw new Unresolved(`!Ref ${name}`, `the physical id of ${name} is only known after deployment`);
    if (name.startsWith('AWS::')) throw new Unresolved(`!Ref ${name}`, `unknown pseudo parameter ${name}`);
    throw new Unresolved(`!Ref ${name}`, `${name} is not a parameter or resource of this template`);
  }

  private sub(arg: unknown, what: string): string {
    let text: string;
    let vars: Record<string, unknown> = {};
    if (typeof arg === 'string') text = arg;
    else {
      const [t, v] = this.list(arg, what, 1);
      text = scalarText(t, what);
      if (isObject(v)) vars = v;
    }
    return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      const trimmed = name.trim();
      if (trimmed in vars) return scalarText(this.need(vars[trimmed], what), what);
      const dot = trimmed.indexOf('.');
      const value =
        dot > 0 && !trimmed.startsWith('AWS::')
          ? this.evaluate('Fn::GetAtt', [trimmed.slice(0, dot), trimmed.slice(dot + 1)], whole)
          : this.ref(trimmed);
      if (value === NO_VALUE) throw new Unresolved(what, 'AWS::NoValue cannot be used in !Sub');
      return scalarText(value, what);
    });
  }
}

const isScalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
