// node-postgres (pg) against a server: a pool of 4 with concurrent
// queries, parameters, the types' JavaScript forms, a transaction and an
// error's code. Arguments: host, port, user, database. Each line's first
// word names its part; a part that fails prints its error (compared by
// TestNodePostgres).
'use strict';

const { Pool } = require('pg');

const [host, port, user, database] = process.argv.slice(2);
const pool = new Pool({ host, port: Number(port), user, database, max: 4, ssl: false });

async function part(name, fn) {
  try {
    await fn();
  } catch (e) {
    console.log(name, 'error', e.code, e.message.split('\n')[0]);
  }
}

function show(v) {
  if (v instanceof Date) return 'Date(' + v.toISOString() + ')';
  if (Buffer.isBuffer(v)) return 'Buffer(' + v.toString('hex') + ')';
  return JSON.stringify(v);
}

async function setup() {
  await pool.query(`CREATE TABLE accounts (id int8 PRIMARY KEY, owner text NOT NULL UNIQUE, balance numeric(12,2) NOT NULL,
    tags text[], meta jsonb, opened timestamptz, photo bytea)`);
  const r = await pool.query(
    'INSERT INTO accounts VALUES ($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14)',
    [1, 'ann', '100.50', ['a', 'b c'], { k: [1, 2], s: 'x' }, new Date('2026-12-02T10:11:12.345Z'), Buffer.from([0, 255, 16]),
      2, 'bo', 7, null, null, null, null]);
  console.log('setup', r.command, r.rowCount);
}

async function concurrent() {
  // More queries than connections: the pool queues the rest.
  const qs = [];
  for (let i = 0; i < 12; i++) {
    qs.push(pool.query('SELECT $1::int8 * 2 AS n, count(*) AS c FROM accounts WHERE id <= $1', [i % 3]));
  }
  const rs = await Promise.all(qs);
  console.log('concurrent', rs.map((r) => r.rows[0].n + ':' + r.rows[0].c).join(' '), pool.totalCount <= 4);
}

async function params() {
  const r = await pool.query('SELECT owner FROM accounts WHERE balance > $1 AND owner LIKE $2 ORDER BY id', [5, '%']);
  console.log('params', r.rows.map((x) => x.owner).join(','));
  const named = await pool.query({ name: 'by-id', text: 'SELECT owner, balance FROM accounts WHERE id = $1', values: [2] });
  const again = await pool.query({ name: 'by-id', text: 'SELECT owner, balance FROM accounts WHERE id = $1', values: [1] });
  console.log('params named', named.rows[0].owner, again.rows[0].owner, again.rows[0].balance);
  const arr = await pool.query('SELECT count(*) AS c FROM accounts WHERE id = ANY($1)', [[1, 2, 3]]);
  console.log('params array', arr.rows[0].c);
}

async function types() {
  const r = await pool.query(`SELECT 9007199254740993::int8 AS big, 12.5::numeric AS num, 42::int4 AS i4, 2.5::float8 AS f8,
    true AS b, '{"a": [1, {"b": null}]}'::jsonb AS jb, '{"x": 1}'::json AS js,
    '2026-12-02 10:11:12.345678+00'::timestamptz AS tz, '2026-12-02'::date AS d,
    '\\x00ff'::bytea AS by, ARRAY[1, 2, 3]::int4[] AS ia, ARRAY['x', NULL, 'y z']::text[] AS ta,
    '{1.5,2}'::numeric[] AS na, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u`);
  for (const f of r.fields) console.log('types', f.name, f.dataTypeID, show(r.rows[0][f.name]));
  const t = await pool.query('SELECT id, balance, tags, meta, opened, photo FROM accounts ORDER BY id');
  for (const row of t.rows) console.log('types row', Object.values(row).map(show).join(' '));
}

async function transaction() {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('UPDATE accounts SET balance = balance - $1 WHERE id = $2', ['10.25', 1]);
    await c.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', ['10.25', 2]);
    await c.query('COMMIT');
    await c.query('BEGIN');
    await c.query('DELETE FROM accounts WHERE id = 1');
    await c.query('ROLLBACK');
  } finally {
    c.release();
  }
  const r = await pool.query('SELECT id, balance FROM accounts ORDER BY id');
  console.log('transaction', r.rows.map((x) => x.id + '=' + x.balance).join(' '));
}

async function errors() {
  try {
    await pool.query('INSERT INTO accounts (id, owner, balance) VALUES ($1, $2, $3)', [3, 'ann', 0]);
  } catch (e) {
    console.log('errors', e.code, e.code === '23505', e.constraint || '', e.table || '');
  }
  try {
    await pool.query('SELECT nope FROM accounts');
  } catch (e) {
    console.log('errors', e.code, e.position);
  }
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT 1/0').catch((e) => console.log('errors', e.code));
    await c.query('SELECT 1').catch((e) => console.log('errors', e.code));
    await c.query('ROLLBACK');
  } finally {
    c.release();
  }
}

(async () => {
  for (const [name, fn] of [['setup', setup], ['concurrent', concurrent], ['params', params], ['types', types],
    ['transaction', transaction], ['errors', errors]]) {
    await part(name, fn);
  }
  await pool.end();
})();
