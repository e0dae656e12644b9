package sql

import (
	"strconv"
	"strings"

	"github.com/driftdb/driftdb/sql/builtins"
)

func init() {
	defaultSettings["server_version_num"] = serverVersionNum(builtins.ServerVersion)
}

// serverVersionNum is server_version_num's form of a version: 15.18 is
// 150018.
func serverVersionNum(v string) string {
	major, minor, _ := strings.Cut(v, ".")
	ma, _ := strconv.Atoi(major)
	mi, _ := strconv.Atoi(minor)
	return strconv.Itoa(ma*10000 + mi)
}
