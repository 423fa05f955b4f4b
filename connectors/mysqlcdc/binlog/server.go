package binlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ServerInfo is what CheckServer reads of a server.
type ServerInfo struct {
	// Flavor and Version are the server's, from VERSION().
	Flavor  Flavor
	Version string
	// ServerID is the server's server_id.
	ServerID uint32
	// Checksum is binlog_checksum: "CRC32" or "NONE".
	Checksum string
	// GTIDMode is MySQL's gtid_mode (ON, OFF, ...); empty on MariaDB,
	// whose GTIDs are always on.
	GTIDMode string
	// Variables are the global variables CheckServer read, by name.
	Variables map[string]string
}

// SettingError is a server setting that keeps the client from reading
// the binary log as it needs to, and what to do about it.
type SettingError struct {
	// Name and Value are the setting's, such as binlog_row_metadata and
	// MINIMAL.
	Name, Value string
	// Fix says what to change, and how.
	Fix string
}

// Error says what the setting is and what to do:
// "binlog_format is MIXED; set binlog_format=ROW (...)".
func (e *SettingError) Error() string { return e.Name + " is " + e.Value + "; " + e.Fix }

// checkedVariables are the global variables CheckServer reads.
var checkedVariables = []string{
	"log_bin", "binlog_format", "binlog_row_image", "binlog_row_metadata", "server_id", "binlog_checksum",
	"gtid_mode", "binlog_transaction_compression", "binlog_row_value_options",
}

// CheckServer reads the server's binary log settings and checks those a
// change data capture client needs: log_bin=ON, binlog_format=ROW,
// binlog_row_image=FULL, binlog_row_metadata=FULL (MySQL 8.0.1 or later,
// MariaDB 10.5 or later), a non-zero server_id, and on MySQL
// binlog_transaction_compression=OFF and no PARTIAL_JSON in
// binlog_row_value_options. It returns what it read and, when settings
// are wrong, an error joining a *SettingError per wrong setting, such as
//
//	binlog_row_metadata is MINIMAL; set binlog_row_metadata=FULL (my.cnf [mysqld] or SET GLOBAL binlog_row_metadata=FULL)
//
// db may be any connection to the server (github.com/go-sql-driver/mysql).
func CheckServer(ctx context.Context, db *sql.DB) (ServerInfo, error) {
	var info ServerInfo
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&info.Version); err != nil {
		return info, fmt.Errorf("binlog: reading the server's version: %w", err)
	}
	info.Flavor = flavorOf(info.Version)
	vars, err := globalVariables(ctx, db, checkedVariables)
	if err != nil {
		return info, err
	}
	info.Variables = vars
	info.Checksum = vars["binlog_checksum"]
	info.GTIDMode = vars["gtid_mode"]
	if id, err := strconv.ParseUint(vars["server_id"], 10, 32); err == nil {
		info.ServerID = uint32(id)
	}
	var problems []error
	set := func(name, want string) *SettingError {
		return &SettingError{Name: name, Value: vars[name],
			Fix: fmt.Sprintf("set %s=%s (my.cnf [mysqld] or SET GLOBAL %s=%s)", name, want, name, want)}
	}
	if v := vars["log_bin"]; !strings.EqualFold(v, "ON") && v != "1" {
		problems = append(problems, &SettingError{Name: "log_bin", Value: v,
			Fix: "enable the binary log: add log_bin=binlog and a non-zero server_id to my.cnf [mysqld] and restart the server"})
	}
	if !strings.EqualFold(vars["binlog_format"], "ROW") {
		problems = append(problems, set("binlog_format", "ROW"))
	}
	if !strings.EqualFold(vars["binlog_row_image"], "FULL") {
		problems = append(problems, set("binlog_row_image", "FULL"))
	}
	switch v, ok := vars["binlog_row_metadata"]; {
	case !ok:
		problems = append(problems, &SettingError{Name: "binlog_row_metadata",
			Value: fmt.Sprintf("missing (%s %s has no such setting)", info.Flavor, info.Version),
			Fix:   "upgrade to MySQL 8.0.1 or later, or MariaDB 10.5 or later, and set binlog_row_metadata=FULL"})
	case !strings.EqualFold(v, "FULL"):
		problems = append(problems, set("binlog_row_metadata", "FULL"))
	}
	if info.ServerID == 0 {
		problems = append(problems, &SettingError{Name: "server_id", Value: vars["server_id"],
			Fix: "set server_id to a non-zero id that no other server or replica has (my.cnf [mysqld] server_id=1, or SET GLOBAL server_id=1)"})
	}
	if info.Flavor == MySQL {
		if v := vars["binlog_transaction_compression"]; strings.EqualFold(v, "ON") {
			problems = append(problems, set("binlog_transaction_compression", "OFF"))
		}
		if v := vars["binlog_row_value_options"]; strings.Contains(strings.ToUpper(v), "PARTIAL_JSON") {
			problems = append(problems, &SettingError{Name: "binlog_row_value_options", Value: v,
				Fix: "set binlog_row_value_options='' (my.cnf [mysqld] or SET GLOBAL binlog_row_value_options='')"})
		}
	}
	return info, errors.Join(problems...)
}

// globalVariables reads global variables by name; a variable the server
// does not have is missing from the map.
func globalVariables(ctx context.Context, db *sql.DB, names []string) (map[string]string, error) {
	q := "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('" + strings.Join(names, "','") + "')"
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("binlog: reading the server's settings: %w", err)
	}
	defer rows.Close()
	vars := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, fmt.Errorf("binlog: reading the server's settings: %w", err)
		}
		vars[strings.ToLower(name)] = value
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("binlog: reading the server's settings: %w", err)
	}
	return vars, nil
}

// ServerPosition is the end of a server's binary log: where a stream
// that wants only new changes starts.
type ServerPosition struct {
	Flavor Flavor
	// Position is the current binary log and its size.
	Position Position
	// GTIDs is the GTID position at Position: a MySQLGTIDSet, MySQL's
	// Executed_Gtid_Set (empty with gtid_mode=OFF), or a MariaDBGTIDList,
	// MariaDB's BINLOG_GTID_POS(file, pos).
	GTIDs GTIDSet
}

// ReadPosition reads the end of the server's binary log, with SHOW
// BINARY LOG STATUS (MySQL 8.2 and later) or SHOW MASTER STATUS, and the
// GTID position that matches it. It needs the REPLICATION CLIENT
// privilege (BINLOG MONITOR on MariaDB 10.5 and later).
func ReadPosition(ctx context.Context, db *sql.DB) (ServerPosition, error) {
	var sp ServerPosition
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return sp, fmt.Errorf("binlog: reading the server's version: %w", err)
	}
	sp.Flavor = flavorOf(version)
	stmt := "SHOW MASTER STATUS"
	if sp.Flavor == MySQL && parseVersion(version) >= 80200 {
		stmt = "SHOW BINARY LOG STATUS"
	}
	row, err := queryOneRow(ctx, db, stmt)
	if err != nil {
		return sp, fmt.Errorf("binlog: %s: %w", stmt, err)
	}
	if row == nil {
		return sp, fmt.Errorf("binlog: %s returned nothing: the binary log is off; enable it (log_bin)", stmt)
	}
	pos, err := strconv.ParseUint(row["Position"], 10, 32)
	if err != nil {
		return sp, fmt.Errorf("binlog: %s: position %q: %w", stmt, row["Position"], err)
	}
	sp.Position = Position{File: row["File"], Pos: uint32(pos)}
	switch sp.Flavor {
	case MySQL:
		set, err := ParseMySQLGTIDSet(row["Executed_Gtid_Set"])
		if err != nil {
			return sp, err
		}
		sp.GTIDs = set
	case MariaDB:
		var gtids sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT BINLOG_GTID_POS(?, ?)", sp.Position.File, sp.Position.Pos).Scan(&gtids); err != nil {
			return sp, fmt.Errorf("binlog: BINLOG_GTID_POS(%s): %w", sp.Position, err)
		}
		list, err := ParseMariaDBGTIDList(gtids.String)
		if err != nil {
			return sp, err
		}
		sp.GTIDs = list
	}
	return sp, nil
}

// scanStrings scans the current row of rows into strings (NULL: "").
func scanStrings(rows *sql.Rows, n int) ([]string, error) {
	values := make([]sql.NullString, n)
	ptrs := make([]any, n)
	for i := range values {
		ptrs[i] = &values[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i, v := range values {
		out[i] = v.String
	}
	return out, nil
}

// queryOneRow returns the first row of a query, by column name; nil when
// there is none.
func queryOneRow(ctx context.Context, db *sql.DB, query string) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, rows.Err()
	}
	values, err := scanStrings(rows, len(cols))
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(cols))
	for i, c := range cols {
		out[c] = values[i]
	}
	return out, rows.Err()
}

// BinaryLog is a binary log file on the server.
type BinaryLog struct {
	Name string
	Size int64
}

// BinaryLogs lists the server's binary logs, oldest first (SHOW BINARY
// LOGS).
func BinaryLogs(ctx context.Context, db *sql.DB) ([]BinaryLog, error) {
	rows, err := db.QueryContext(ctx, "SHOW BINARY LOGS")
	if err != nil {
		return nil, fmt.Errorf("binlog: SHOW BINARY LOGS: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("binlog: SHOW BINARY LOGS: %w", err)
	}
	var logs []BinaryLog
	for rows.Next() {
		values, err := scanStrings(rows, len(cols))
		if err != nil {
			return nil, fmt.Errorf("binlog: SHOW BINARY LOGS: %w", err)
		}
		l := BinaryLog{Name: values[0]}
		if len(values) > 1 {
			l.Size, _ = strconv.ParseInt(values[1], 10, 64)
		}
		logs = append(logs, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("binlog: SHOW BINARY LOGS: %w", err)
	}
	return logs, nil
}

// RequireBinaryLog checks that the server still has the binary log file,
// before a stream starts from it: it returns a *PurgedError naming file
// when the server has purged it (errors.Is(err, ErrPurged)).
func RequireBinaryLog(ctx context.Context, db *sql.DB, file string) error {
	logs, err := BinaryLogs(ctx, db)
	if err != nil {
		return err
	}
	for _, l := range logs {
		if l.Name == file {
			return nil
		}
	}
	return &PurgedError{File: file}
}
