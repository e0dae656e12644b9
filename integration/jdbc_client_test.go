package integration

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestJDBCClient runs testdata/clients/JdbcClient.java with pgjdbc:
// DatabaseMetaData (getSchemas, getTables, getColumns, getPrimaryKeys,
// getIndexInfo, getTypeInfo), a result's metadata (table, column and
// nullability of a plain SELECT's columns), a batch of 1000 inserts with
// reWriteBatchedInserts, and prepared statements over many types past
// the server-side prepare threshold. What it prints is PostgreSQL 15's
// answer (testdata/clients/JdbcClient.out).
func TestJDBCClient(t *testing.T) {
	jar := need(t, "/usr/share/java/postgresql.jar", "libpostgresql-jdbc-java")
	javac, err := exec.LookPath("javac")
	if err != nil {
		need(t, "/nonexistent/javac", "openjdk-17-jdk-headless")
	}
	dir := t.TempDir()
	if out, err := exec.Command(javac, "-d", dir, "-cp", jar, "testdata/clients/JdbcClient.java").CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	pending := map[string]string{
		"schemas":  "getSchemas calls current_schemas(boolean)",
		"typeinfo": "getTypeInfo calls current_schemas(boolean)",
	}
	checkClient(t, "jdbc", "testdata/clients/JdbcClient.out", pending, func(t *testing.T, to target) []byte {
		url := "jdbc:postgresql://" + to.host + ":" + to.port + "/" + to.db + "?user=" + to.user +
			"&sslmode=disable&reWriteBatchedInserts=true"
		out, err := exec.Command("java", "-cp", jar+string(filepath.ListSeparator)+dir, "JdbcClient", url).CombinedOutput()
		if err != nil {
			t.Fatalf("java: %v\n%s", err, out)
		}
		return out
	})
}
