package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	javaOnce sync.Once
	javaDir  string
	javaErr  error
)

// javaClasses compiles testdata/clients/*.java (once per test run, with
// one javac) and returns pgjdbc's jar and the classes' directory; the
// test is skipped where pgjdbc or a JDK is missing.
func javaClasses(t *testing.T) (jar, dir string) {
	t.Helper()
	jar = need(t, "/usr/share/java/postgresql.jar", "libpostgresql-jdbc-java")
	javac, err := exec.LookPath("javac")
	if err != nil {
		need(t, "/nonexistent/javac", "openjdk-17-jdk-headless")
	}
	javaOnce.Do(func() {
		javaDir, javaErr = os.MkdirTemp("", "driftdb-java-")
		if javaErr != nil {
			return
		}
		sources, _ := filepath.Glob("testdata/clients/*.java")
		args := append([]string{"-d", javaDir, "-cp", jar}, sources...)
		if out, err := exec.Command(javac, args...).CombinedOutput(); err != nil {
			javaErr = fmt.Errorf("javac: %v\n%s", err, out)
		}
	})
	if javaErr != nil {
		t.Fatal(javaErr)
	}
	return jar, javaDir
}

// runJava runs a class of testdata/clients with its arguments.
func runJava(t *testing.T, class string, args ...string) []byte {
	t.Helper()
	jar, dir := javaClasses(t)
	// The session's time zone is the JVM's: UTC, whatever the machine's.
	args = append([]string{"-Duser.timezone=UTC", "-cp", jar + string(filepath.ListSeparator) + dir, class}, args...)
	out, err := exec.Command("java", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("java %s: %v\n%s", class, err, out)
	}
	return out
}

// TestJDBCClient runs testdata/clients/JdbcClient.java with pgjdbc:
// DatabaseMetaData (getSchemas, getTables, getColumns, getPrimaryKeys,
// getIndexInfo, getTypeInfo), a result's metadata (table, column and
// nullability of a plain SELECT's columns), a batch of 1000 inserts with
// reWriteBatchedInserts, prepared statements over many types past
// the server-side prepare threshold, and savepoints (setSavepoint,
// rollback(Savepoint), releaseSavepoint, and a connection with
// autosave=always that goes on after failed statements). What it prints is PostgreSQL 15's
// answer (testdata/clients/JdbcClient.out).
func TestJDBCClient(t *testing.T) {
	javaClasses(t)
	checkClient(t, "client_jdbc", "testdata/clients/JdbcClient.out", nil, func(t *testing.T, to target) []byte {
		return runJava(t, "JdbcClient", "jdbc:postgresql://"+to.host+":"+to.port+"/"+to.db+"?user="+to.user+
			"&sslmode=disable&reWriteBatchedInserts=true")
	})
}
