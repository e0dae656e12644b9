import java.sql.*;

/** pgjdbc with autocommit off and a fetch size: results come in portions
 *  (Execute with a row limit, PortalSuspended), and SQL cursors. The
 *  connection URL is the first argument. */
public class Cursors {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0])) {
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS fs");
                st.execute("CREATE TABLE fs (id int8 PRIMARY KEY, v text)");
                st.execute("INSERT INTO fs SELECT g, 'v' || g FROM generate_series(1, 1000) g");
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SELECT id, v FROM fs WHERE id > ? ORDER BY id")) {
                ps.setFetchSize(10);
                ps.setLong(1, 0);
                try (ResultSet rs = ps.executeQuery()) {
                    long n = 0, sum = 0;
                    String last = null;
                    while (rs.next()) {
                        n++;
                        sum += rs.getLong(1);
                        last = rs.getString(2);
                        if (n == 500) {
                            // Another statement while the portal is suspended.
                            try (Statement other = c.createStatement();
                                 ResultSet r = other.executeQuery("SELECT count(*) FROM fs")) {
                                r.next();
                                System.out.println("count " + r.getLong(1));
                            }
                        }
                    }
                    System.out.println("rows " + n + " sum " + sum + " last " + last);
                }
            }
            try (Statement st = c.createStatement()) {
                st.setFetchSize(100);
                try (ResultSet rs = st.executeQuery("SELECT id FROM fs ORDER BY id DESC")) {
                    long n = 0;
                    while (rs.next()) {
                        n++;
                    }
                    System.out.println("rows " + n);
                }
            }
            c.commit();
            // A suspended portal reads the transaction as it was when it
            // began: the writes made between its portions do not show.
            try (PreparedStatement ps = c.prepareStatement(
                     "SELECT a.id, (SELECT v FROM fs b WHERE b.id = a.id) FROM fs a WHERE a.id <= 25")) {
                ps.setFetchSize(10);
                try (ResultSet rs = ps.executeQuery();
                     Statement w = c.createStatement()) {
                    StringBuilder b = new StringBuilder("snapshot");
                    long n = 0;
                    while (rs.next()) {
                        n++;
                        if (n == 5) {
                            w.executeUpdate("UPDATE fs SET v = 'new' WHERE id <= 30");
                            w.executeUpdate("DELETE FROM fs WHERE id = 20");
                        }
                        if (n % 5 == 0) {
                            b.append(' ').append(rs.getLong(1)).append('=').append(rs.getString(2));
                        }
                    }
                    System.out.println(b + " rows " + n);
                }
            }
            c.rollback();
            try (Statement st = c.createStatement()) {
                st.execute("DECLARE cj SCROLL CURSOR FOR SELECT id, v FROM fs WHERE id <= 30 ORDER BY id");
                try (ResultSet rs = st.executeQuery("FETCH 3 FROM cj")) {
                    StringBuilder b = new StringBuilder("fetched");
                    while (rs.next()) {
                        b.append(' ').append(rs.getString(2));
                    }
                    System.out.println(b);
                }
                System.out.println("moved " + st.executeUpdate("MOVE LAST IN cj"));
                try (PreparedStatement ps = c.prepareStatement("FETCH BACKWARD 2 FROM cj");
                     ResultSet rs = ps.executeQuery()) {
                    StringBuilder b = new StringBuilder("backward");
                    while (rs.next()) {
                        b.append(' ').append(rs.getLong(1));
                    }
                    System.out.println(b);
                }
                st.execute("CLOSE cj");
            }
            c.commit();
        }
    }
}
