import java.sql.*;

public class Smoke {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/driftdb?user=driftdb&sslmode=disable";
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE users (id int8 PRIMARY KEY, email text, amount float8, active bool)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (id, email, amount, active) VALUES (?, ?, ?, ?)")) {
                for (int i = 1; i <= 10; i++) {
                    ps.setLong(1, i); ps.setString(2, "u" + i + "@x"); ps.setDouble(3, i * 1.5); ps.setBoolean(4, i % 2 == 0);
                    ps.executeUpdate();
                }
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE users SET amount = amount + 1 WHERE id = ?")) {
                ps.setLong(1, 3); System.out.println("updated " + ps.executeUpdate());
            }
            c.commit();
            c.setAutoCommit(true);
            for (int round = 0; round < 7; round++) { // past prepareThreshold: server-side prepared statements
                try (PreparedStatement ps = c.prepareStatement("SELECT id, email, amount, active FROM users WHERE id = ?")) {
                    ps.setLong(1, 3);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (round == 6) System.out.println(rs.getLong(1) + " " + rs.getString(2) + " " + rs.getDouble(3) + " " + rs.getBoolean(4));
                    }
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM users WHERE active")) {
                rs.next(); System.out.println("active " + rs.getLong(1));
            }
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO users (id) VALUES (1)");
            } catch (SQLException e) {
                System.out.println("error " + e.getSQLState());
            }
            DatabaseMetaData md = c.getMetaData();
            System.out.println(md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
            // The catalog, as tools read it.
            try (ResultSet r = md.getTables(null, "public", "%", new String[]{"TABLE"})) {
                while (r.next()) System.out.println("table " + r.getString("TABLE_NAME"));
            }
            try (ResultSet r = md.getColumns(null, "public", "users", "%")) {
                while (r.next()) System.out.println("column " + r.getString("COLUMN_NAME") + " " + r.getString("TYPE_NAME") + " " + r.getInt("NULLABLE"));
            }
            try (ResultSet r = md.getPrimaryKeys(null, "public", "users")) {
                while (r.next()) System.out.println("key " + r.getString("COLUMN_NAME") + " " + r.getString("PK_NAME"));
            }
            try (ResultSet r = md.getIndexInfo(null, "public", "users", false, false)) {
                while (r.next()) System.out.println("index " + r.getString("INDEX_NAME") + " " + r.getString("COLUMN_NAME"));
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, email FROM users")) {
                ResultSetMetaData rm = rs.getMetaData();
                System.out.println("result " + rm.getTableName(1) + " " + rm.getColumnName(2) + " " + rm.isNullable(1));
            }
        }
    }
}
