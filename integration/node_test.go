package integration

import (
	"os"
	"os/exec"
	"testing"
)

// TestNodePostgres runs testdata/node/client.js with node-postgres (the
// npm package pg, installed by `npm ci` in testdata/node): a pool of four
// with concurrent queries, parameters and named prepared statements, the
// JavaScript forms of the types (int8 and numeric as strings, json,
// timestamptz, bytea, arrays), a transaction, and errors' codes and
// fields. What it prints is PostgreSQL 15's answer
// (testdata/node/client.out).
func TestNodePostgres(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		node = need(t, "/usr/bin/node", "nodejs npm")
	}
	need(t, "testdata/node/node_modules/pg/package.json", "nodejs npm, then npm ci in integration/testdata/node")
	checkClient(t, "client_node", "testdata/node/client.out", nil, func(t *testing.T, to target) []byte {
		cmd := exec.Command(node, "client.js", to.host, to.port, to.user, to.db)
		cmd.Dir = "testdata/node"
		// pg reads a date as midnight in the local time zone.
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		return out
	})
}
