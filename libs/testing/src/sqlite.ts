import SqliteOnNodeApi10 from 'better-sqlite3';
import SqliteOnNode20 from 'better-sqlite3-node20';

/**
 * The better-sqlite3 the running Node.js can load safely. Release 13 is built on Node-API 10,
 * which Node.js 20 lacks (it crashes there); release 12 wraps its objects in a way that Node.js 24
 * aborts on while collecting garbage. Both are installed; each Node.js gets the one that holds on
 * it. Every test and tool that opens SQLite takes this one, as the service takes its own.
 */
const Sqlite: typeof SqliteOnNodeApi10 = Number(process.versions.napi) >= 10 ? SqliteOnNodeApi10 : SqliteOnNode20;
type Sqlite = SqliteOnNodeApi10.Database;

export default Sqlite;
