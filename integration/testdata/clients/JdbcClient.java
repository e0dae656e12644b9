import java.math.BigDecimal;
import java.sql.*;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

// pgjdbc against a server: the catalog through DatabaseMetaData, a
// result's metadata, a rewritten batch, a prepared statement with many
// types, and savepoints (by hand and with autosave=always). The first argument is a JDBC URL; the lines printed are compared
// by TestJDBCClient.
public class JdbcClient {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0])) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE items (id int8 PRIMARY KEY, name varchar(40) NOT NULL, price numeric(10,2), qty int4 DEFAULT 0)");
                s.execute("CREATE UNIQUE INDEX items_name ON items (name)");
                s.execute("COMMENT ON TABLE items IS 'what is sold'");
                s.execute("COMMENT ON COLUMN items.price IS 'in euros'");
                s.execute("CREATE VIEW cheap AS SELECT id, name, price * 2 AS twice FROM items WHERE price < 1");
                s.execute("CREATE TABLE kinds (k serial PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, n numeric, t text, "
                        + "d date, ts timestamp, tz timestamptz, u uuid, by bytea, j jsonb)");
            }
            DatabaseMetaData md = c.getMetaData();
            section("schemas", () -> schemas(md));
            section("tables", () -> tables(md));
            section("columns", () -> columns(md));
            section("kinds", () -> kinds(md));
            section("keys", () -> keys(md));
            section("fks", () -> foreignKeys(md));
            section("indexes", () -> indexes(md));
            section("typeinfo", () -> typeInfo(md));
            section("result", () -> resultMetadata(c));
            section("batch", () -> batch(c));
            section("autobatch", () -> autocommitBatch(c));
            section("types", () -> types(c));
            section("misc", () -> misc(c));
            section("savepoints", () -> savepoints(c));
            section("autosave", () -> autosave(args[0]));
            section("nokey", () -> noKey(c, md));
            section("pairkey", () -> pairKey(c, md));
        }
    }

    interface Section {
        void run() throws SQLException;
    }

    // section runs one part; a failure prints the part's name and the
    // error's SQLSTATE and message, and the next part runs.
    static void section(String name, Section s) {
        try {
            s.run();
        } catch (SQLException e) {
            System.out.println(name + " error " + e.getSQLState() + " " + e.getMessage().split("\n")[0]);
        }
    }

    static void schemas(DatabaseMetaData md) throws SQLException {
        try (ResultSet r = md.getSchemas()) {
            StringBuilder b = new StringBuilder("schemas");
            while (r.next()) {
                // DriftDB adds its schema driftdb (history for tools).
                if (!r.getString("TABLE_SCHEM").equals("driftdb")) b.append(' ').append(r.getString("TABLE_SCHEM"));
            }
            System.out.println(b);
        }
    }

    static void tables(DatabaseMetaData md) throws SQLException {
        try (ResultSet r = md.getTables(null, "public", "%", new String[]{"TABLE"})) {
            while (r.next()) System.out.println("tables " + r.getString("TABLE_SCHEM") + "." + r.getString("TABLE_NAME") + " " + r.getString("TABLE_TYPE")
                    + " " + r.getString("REMARKS"));
        }
    }

    static void columns(DatabaseMetaData md) throws SQLException {
        try (ResultSet r = md.getColumns(null, "public", "items", "%")) {
            while (r.next()) {
                System.out.println("columns " + r.getInt("ORDINAL_POSITION") + " " + r.getString("COLUMN_NAME") + " " + r.getString("TYPE_NAME")
                        + " " + r.getInt("DATA_TYPE") + " " + r.getInt("COLUMN_SIZE") + " " + r.getInt("DECIMAL_DIGITS")
                        + " " + r.getString("IS_NULLABLE") + " " + r.getString("COLUMN_DEF") + " " + r.getString("IS_AUTOINCREMENT")
                        + " " + r.getString("REMARKS"));
            }
        }
    }

    static void kinds(DatabaseMetaData md) throws SQLException {
        try (ResultSet r = md.getColumns(null, "public", "kinds", "%")) {
            while (r.next()) {
                System.out.println("kinds " + r.getString("COLUMN_NAME") + " " + r.getString("TYPE_NAME") + " " + r.getInt("DATA_TYPE")
                        + " " + r.getInt("COLUMN_SIZE") + " " + r.getInt("DECIMAL_DIGITS") + " " + r.getString("IS_AUTOINCREMENT"));
            }
        }
    }

    static void foreignKeys(DatabaseMetaData md) throws SQLException {
        int n = 0;
        try (ResultSet r = md.getImportedKeys(null, "public", "items")) {
            while (r.next()) n++;
        }
        try (ResultSet r = md.getExportedKeys(null, "public", "items")) {
            while (r.next()) n++;
        }
        System.out.println("fks " + n);
    }

    static void keys(DatabaseMetaData md) throws SQLException {
        try (ResultSet r = md.getPrimaryKeys(null, "public", "items")) {
            while (r.next()) System.out.println("keys " + r.getString("COLUMN_NAME") + " " + r.getShort("KEY_SEQ") + " " + r.getString("PK_NAME"));
        }
    }

    // noKey: a table without a primary key has its declared columns, no
    // key and no index.
    static void noKey(Connection c, DatabaseMetaData md) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE jots (body text, at int4)");
            s.execute("INSERT INTO jots VALUES ('x', 1), ('x', 1)");
        }
        StringBuilder b = new StringBuilder("nokey columns");
        try (ResultSet r = md.getColumns(null, "public", "jots", "%")) {
            while (r.next()) b.append(' ').append(r.getString("COLUMN_NAME")).append(':').append(r.getString("TYPE_NAME"));
        }
        System.out.println(b);
        int keys = 0, indexes = 0;
        try (ResultSet r = md.getPrimaryKeys(null, "public", "jots")) {
            while (r.next()) keys++;
        }
        try (ResultSet r = md.getIndexInfo(null, "public", "jots", false, false)) {
            while (r.next()) indexes++;
        }
        System.out.println("nokey keys " + keys + " indexes " + indexes);
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM jots")) {
            ResultSetMetaData m = r.getMetaData();
            int n = 0;
            while (r.next()) n++;
            System.out.println("nokey select " + m.getColumnCount() + " columns " + n + " rows " + m.getColumnName(1) + " " + m.getColumnName(2));
        }
    }

    // pairKey: a primary key of two columns, listed in the key's order.
    static void pairKey(Connection c, DatabaseMetaData md) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE memberships (grp text, usr int8, since date, PRIMARY KEY (usr, grp))");
        }
        try (ResultSet r = md.getPrimaryKeys(null, "public", "memberships")) {
            while (r.next()) System.out.println("pairkey " + r.getString("COLUMN_NAME") + " " + r.getShort("KEY_SEQ") + " " + r.getString("PK_NAME"));
        }
        try (ResultSet r = md.getIndexInfo(null, "public", "memberships", true, false)) {
            while (r.next()) {
                System.out.println("pairkey index " + r.getString("INDEX_NAME") + " " + r.getString("COLUMN_NAME") + " " + r.getShort("ORDINAL_POSITION"));
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO memberships VALUES (?, ?, NULL)")) {
            ps.setString(1, "admins");
            ps.setLong(2, 7);
            ps.executeUpdate();
            try {
                ps.executeUpdate();
            } catch (SQLException e) {
                System.out.println("pairkey duplicate " + e.getSQLState() + " " + ((org.postgresql.util.PSQLException) e).getServerErrorMessage().getDetail());
            }
        }
    }

    static void indexes(DatabaseMetaData md) throws SQLException {
        try (ResultSet r = md.getIndexInfo(null, "public", "items", false, false)) {
            while (r.next()) {
                System.out.println("indexes " + r.getString("INDEX_NAME") + " " + r.getString("COLUMN_NAME") + " unique=" + !r.getBoolean("NON_UNIQUE")
                        + " " + r.getShort("ORDINAL_POSITION"));
            }
        }
        try (ResultSet r = md.getIndexInfo(null, "public", "items", true, false)) {
            int n = 0;
            while (r.next()) n++;
            System.out.println("indexes unique " + n);
        }
    }

    static void typeInfo(DatabaseMetaData md) throws SQLException {
        try (ResultSet r = md.getTypeInfo()) {
            StringBuilder b = new StringBuilder("typeinfo");
            java.util.Set<String> want = java.util.Set.of("bool", "int8", "text", "numeric", "timestamptz", "jsonb", "uuid", "bytea");
            java.util.TreeMap<String, Integer> seen = new java.util.TreeMap<>();
            while (r.next()) {
                if (want.contains(r.getString("TYPE_NAME"))) seen.put(r.getString("TYPE_NAME"), r.getInt("DATA_TYPE"));
            }
            seen.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            System.out.println(b);
        }
    }

    static void resultMetadata(Connection c) throws SQLException {
        // A table's columns, an expression, and a view's columns: those
        // name the view, as PostgreSQL's RowDescription does.
        for (String q : new String[]{"SELECT id, name, price, qty, 1 AS one FROM items", "SELECT id, twice FROM cheap"}) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(q)) {
                ResultSetMetaData m = rs.getMetaData();
                for (int i = 1; i <= m.getColumnCount(); i++) {
                    System.out.println("result " + i + " " + m.getColumnLabel(i) + " table=" + m.getTableName(i) + " column=" + m.getColumnName(i)
                            + " schema=" + m.getSchemaName(i) + " nullable=" + m.isNullable(i) + " " + m.getColumnTypeName(i)
                            + " auto=" + m.isAutoIncrement(i));
                }
            }
        }
    }

    static void batch(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (id, name, price) VALUES (?, ?, ?)")) {
            for (int i = 1; i <= 1000; i++) {
                ps.setLong(1, i);
                ps.setString(2, "item" + i);
                ps.setBigDecimal(3, BigDecimal.valueOf(i, 2));
                ps.addBatch();
            }
            int total = 0;
            for (int n : ps.executeBatch()) total += n == Statement.SUCCESS_NO_INFO ? 1 : n;
            System.out.println("batch " + total);
        }
        c.commit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT name), sum(price), min(id), max(id) FROM items")) {
            rs.next();
            System.out.println("batch rows " + rs.getLong(1) + " " + rs.getLong(2) + " " + rs.getBigDecimal(3) + " " + rs.getLong(4) + " " + rs.getLong(5));
        }
    }

    // autocommitBatch: a batch outside a transaction is one transaction,
    // as its statements go up to one Sync: a failed statement rolls back
    // those before it.
    static void autocommitBatch(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.addBatch("INSERT INTO items (id, name) VALUES (2001, 'auto2001')");
            s.addBatch("UPDATE items SET qty = 5 WHERE id = 1");
            s.addBatch("INSERT INTO items (id, name) VALUES (2001, 'again')");
            try {
                s.executeBatch();
                System.out.println("autobatch ran");
            } catch (BatchUpdateException e) {
                System.out.println("autobatch failed " + e.getSQLState());
            }
            s.addBatch("INSERT INTO items (id, name) VALUES (2003, 'auto2003')");
            s.addBatch("UPDATE items SET qty = 7 WHERE id = 2003");
            System.out.println("autobatch second " + s.executeBatch().length);
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, qty FROM items WHERE id > 2000 OR id = 1 ORDER BY id")) {
            StringBuilder b = new StringBuilder("autobatch rows");
            while (rs.next()) b.append(' ').append(rs.getLong(1)).append('/').append(rs.getInt(2));
            System.out.println(b);
        }
    }

    // misc: generated keys, an updatable and a scrollable result set,
    // read-only mode and the connection check.
    static void misc(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text)");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes (body) VALUES (?)", Statement.RETURN_GENERATED_KEYS)) {
            for (String b : new String[]{"a", "b", "c"}) {
                ps.setString(1, b);
                ps.executeUpdate();
                try (ResultSet r = ps.getGeneratedKeys()) {
                    r.next();
                    System.out.println("misc key " + r.getLong("id"));
                }
            }
        }
        try (Statement s = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE);
             ResultSet r = s.executeQuery("SELECT id, body FROM notes WHERE id = 2")) {
            r.next();
            r.updateString("body", "B");
            r.updateRow();
        }
        try (Statement s = c.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY);
             ResultSet r = s.executeQuery("SELECT id, body FROM notes ORDER BY id")) {
            r.last();
            int n = r.getRow();
            r.absolute(2);
            System.out.println("misc scroll " + n + " " + r.getString("body"));
        }
        c.setAutoCommit(false);
        c.setReadOnly(true);
        try (Statement s = c.createStatement()) {
            s.execute("DELETE FROM notes");
        } catch (SQLException e) {
            System.out.println("misc readonly " + e.getSQLState());
        }
        c.rollback();
        c.setReadOnly(false);
        c.setAutoCommit(true);
        System.out.println("misc valid " + c.isValid(5));
        // A function call with an out parameter: pgjdbc sends the result's
        // placeholder as a parameter of type void.
        try (CallableStatement cs = c.prepareCall("{? = call upper(?)}")) {
            cs.registerOutParameter(1, Types.VARCHAR);
            cs.setString(2, "abc");
            cs.execute();
            System.out.println("misc call " + cs.getString(1));
        }
    }

    static void types(Connection c) throws SQLException {
        String insert = "INSERT INTO kinds (b, i2, i4, i8, f4, f8, n, t, d, ts, tz, u, by, j) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)";
        UUID u = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        // Six rounds pass pgjdbc's prepareThreshold (5): the last ones use
        // a named server-side statement and binary transfer.
        for (int round = 0; round < 6; round++) {
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                ps.setBoolean(1, round % 2 == 0);
                ps.setShort(2, (short) -round);
                ps.setInt(3, 2000000000 + round);
                ps.setLong(4, 9000000000000000000L + round);
                ps.setFloat(5, 1.5f);
                ps.setDouble(6, 0.1 + round);
                ps.setBigDecimal(7, new BigDecimal("12345678901234567890.123456789"));
                ps.setString(8, "héllo " + round);
                ps.setObject(9, LocalDate.of(2026, 2, 28).plusDays(round));
                ps.setTimestamp(10, Timestamp.valueOf("2026-12-02 10:11:12.345678"));
                ps.setObject(11, OffsetDateTime.of(2026, 12, 2, 10, 11, 12, 0, ZoneOffset.ofHours(2)));
                ps.setObject(12, u);
                ps.setBytes(13, new byte[]{0, 1, (byte) 0xfe, (byte) round});
                ps.setString(14, "{\"k\": [1, 2], \"r\": " + round + "}");
                ps.executeUpdate();
            }
        }
        for (int round = 0; round < 6; round++) {
            try (PreparedStatement ps = c.prepareStatement("SELECT b, i2, i4, i8, f4, f8, n, t, d, ts, tz, u, by, j FROM kinds WHERE i4 = ? AND t LIKE ? AND by <> ?")) {
                ps.setInt(1, 2000000005);
                ps.setString(2, "h%");
                ps.setBytes(3, new byte[]{(byte) round});
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) throw new SQLException("no row");
                    if (round < 5) continue;
                    byte[] by = rs.getBytes(13);
                    System.out.println("types " + rs.getBoolean(1) + " " + rs.getShort(2) + " " + rs.getInt(3) + " " + rs.getLong(4) + " " + rs.getFloat(5)
                            + " " + rs.getDouble(6) + " " + rs.getBigDecimal(7) + " " + rs.getString(8) + " " + rs.getObject(9, LocalDate.class)
                            + " " + rs.getTimestamp(10) + " " + rs.getObject(11, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC)
                            + " " + rs.getObject(12) + " " + by.length + ":" + (by[2] & 0xff) + ":" + by[3] + " " + rs.getString(14));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM kinds WHERE tz > ? AND u = ? AND b = ?")) {
            ps.setObject(1, OffsetDateTime.of(2026, 12, 2, 8, 0, 0, 0, ZoneOffset.UTC));
            ps.setObject(2, u);
            ps.setBoolean(3, true);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                System.out.println("types count " + rs.getLong(1));
            }
        }
    }

    // savepoints: setSavepoint, rollback(Savepoint) (also out of a failed
    // transaction) and releaseSavepoint, which pgjdbc sends through the
    // extended protocol.
    static void savepoints(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE sp (id int8 PRIMARY KEY, v text)");
        }
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO sp (id, v) VALUES (?, ?)")) {
            insert(ps, 1, "one");
            Savepoint a = c.setSavepoint("a");
            insert(ps, 2, "two");
            Savepoint unnamed = c.setSavepoint();
            insert(ps, 3, "three");
            c.rollback(unnamed);
            System.out.println("savepoints after rollback(unnamed) " + ids(c));
            try {
                insert(ps, 1, "again");
            } catch (SQLException e) {
                System.out.println("savepoints duplicate " + e.getSQLState());
            }
            try {
                ids(c);
            } catch (SQLException e) {
                System.out.println("savepoints aborted " + e.getSQLState());
            }
            c.rollback(a);
            System.out.println("savepoints after rollback(a) " + ids(c));
            insert(ps, 4, "four");
            c.releaseSavepoint(a);
            try {
                c.rollback(a);
            } catch (SQLException e) {
                System.out.println("savepoints released " + e.getSQLState());
            }
        }
        c.rollback();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO sp (id, v) VALUES (?, ?)")) {
            insert(ps, 1, "one");
            Savepoint a = c.setSavepoint("a");
            insert(ps, 2, "two");
            c.releaseSavepoint(a);
            Savepoint b = c.setSavepoint("b");
            insert(ps, 3, "three");
            c.rollback(b);
        }
        c.commit();
        c.setAutoCommit(true);
        System.out.println("savepoints committed " + ids(c));
    }

    // autosave: with autosave=always pgjdbc takes a savepoint before each
    // statement of a transaction and rolls back to it when the statement
    // fails, so the transaction goes on.
    static void autosave(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url + "&autosave=always")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement(); PreparedStatement ps = c.prepareStatement("INSERT INTO sp (id, v) VALUES (?, ?)")) {
                s.executeUpdate("INSERT INTO sp (id, v) VALUES (10, 'ten')");
                try {
                    s.executeUpdate("INSERT INTO sp (id, v) VALUES (11, 'eleven'), (10, 'again')");
                } catch (SQLException e) {
                    System.out.println("autosave duplicate " + e.getSQLState());
                }
                insert(ps, 12, "twelve");
                try {
                    insert(ps, 12, "again");
                } catch (SQLException e) {
                    System.out.println("autosave duplicate " + e.getSQLState());
                }
                try (ResultSet r = s.executeQuery("SELECT 1 / 0")) {
                    r.next();
                } catch (SQLException e) {
                    System.out.println("autosave query " + e.getSQLState());
                }
                insert(ps, 13, "thirteen");
            }
            c.commit();
            c.setAutoCommit(true);
            System.out.println("autosave committed " + ids(c));
        }
    }

    static void insert(PreparedStatement ps, long id, String v) throws SQLException {
        ps.setLong(1, id);
        ps.setString(2, v);
        ps.executeUpdate();
    }

    static String ids(Connection c) throws SQLException {
        StringBuilder b = new StringBuilder();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT id, v FROM sp ORDER BY id")) {
            while (r.next()) b.append(b.length() > 0 ? " " : "").append(r.getLong(1)).append('=').append(r.getString(2));
        }
        return b.toString();
    }
}
