/**
 * The `query` label of a TypeORM query, which has only its text: a short, stable name made of
 * the statement's kind and the first table it names (`select_oc_numbers`, `insert_…`), `ping` for
 * the readiness round trip, `transaction` for BEGIN/COMMIT/ROLLBACK and savepoints, `migration`
 * for schema changes and TypeORM's `migrations` table, `other` for anything else. Never the
 * text itself or a parameter, so a label cannot leak data or grow without bound.
 */
export function queryNameOf(sql: string): string {
  const text = sql.trim();
  if (/^SELECT\s+1\s*(?:AS\s+\w+\s*)?;?$/i.test(text)) return 'ping';
  const keyword = /^([a-z]+)/i.exec(text)?.[1]?.toLowerCase() ?? '';
  if (TRANSACTION_KEYWORDS.has(keyword) || /^START\s+TRANSACTION\b/i.test(text)) return 'transaction';
  if (SCHEMA_KEYWORDS.has(keyword)) return 'migration';
  const table = TABLE_OF[keyword]?.exec(text)?.[1];
  if (table === undefined) return 'other';
  const name = table.toLowerCase();
  if (name === MIGRATIONS_TABLE) return 'migration';
  return IDENTIFIER.test(name) ? `${keyword}_${name}` : 'other';
}

const TRANSACTION_KEYWORDS = new Set(['begin', 'commit', 'rollback', 'savepoint', 'release']);
const SCHEMA_KEYWORDS = new Set(['create', 'alter', 'drop', 'comment', 'pragma', 'vacuum', 'analyze', 'reindex']);

/** TypeORM's default name for the table that records the migrations run. */
const MIGRATIONS_TABLE = 'migrations';

/** A table name, optionally schema-qualified and quoted the way TypeORM quotes it ("x" or `x`). */
const TABLE = String.raw`(?:["\x60]?\w+["\x60]?\.)?["\x60]?(\w+)["\x60]?`;
const TABLE_OF: Readonly<Record<string, RegExp>> = {
  select: new RegExp(String.raw`\bFROM\s+${TABLE}`, 'i'),
  delete: new RegExp(String.raw`^DELETE\s+FROM\s+${TABLE}`, 'i'),
  insert: new RegExp(String.raw`^INSERT\s+(?:OR\s+\w+\s+)?INTO\s+${TABLE}`, 'i'),
  update: new RegExp(String.raw`^UPDATE\s+(?:OR\s+\w+\s+)?${TABLE}`, 'i'),
};

/** A label value Prometheus and dashboards take as is: lower-case letters, digits and `_`. */
const IDENTIFIER = /^[a-z][a-z0-9_]{0,47}$/;
