package mysqlcdc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sluicehq/sluice/connectors/mysqlcdc/binlog"
)

// addr returns host:port.
func (s *settings) addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// openDB returns a database/sql pool to the server, for the checks,
// information_schema and the snapshot. Sessions read TIMESTAMPs in UTC.
func (s *settings) openDB() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", s.addr()
	cfg.User, cfg.Passwd = s.user, s.password
	cfg.Timeout = s.connectTimeout
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	if s.tls != nil {
		cfg.TLS = s.tls.Clone()
		if s.sslMode == sslVerifyIdentity && cfg.TLS.ServerName == "" {
			cfg.TLS.ServerName = s.host
		}
		cfg.AllowFallbackToPlaintext = s.sslMode == sslPreferred
	}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysqlcdc: %w", err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// binlogConfig returns the replication connection's settings. The
// server sends a heartbeat after keepAlive (or heartbeat.interval.ms,
// when shorter) without events, so that heartbeats go out on a quiet
// server and a dead connection is noticed.
func (s *settings) binlogConfig() binlog.Config {
	period := s.keepAlive
	if s.heartbeat > 0 && s.heartbeat < period {
		period = s.heartbeat
	}
	cfg := binlog.Config{Host: s.host, Port: s.port, User: s.user, Password: s.password, ServerID: s.serverID,
		HeartbeatPeriod: period, DialTimeout: s.connectTimeout, AnnotateRows: s.includeQuery}
	if s.tls != nil {
		cfg.TLS = s.tls.Clone()
	}
	return cfg
}

// dialBinlog opens a replication connection; with database.ssl.mode
// preferred it falls back to a connection without TLS when the server
// offers none.
func (s *settings) dialBinlog(ctx context.Context) (*binlog.Conn, error) {
	cfg := s.binlogConfig()
	c, err := binlog.Dial(ctx, cfg)
	if err != nil && s.sslMode == sslPreferred && strings.Contains(err.Error(), "does not offer TLS") {
		cfg.TLS = nil
		c, err = binlog.Dial(ctx, cfg)
	}
	return c, err
}

// errSettings marks a server whose settings keep the connector from
// capturing it: no retry helps, the user must change them.
type errSettings struct{ err error }

func (e *errSettings) Error() string { return e.err.Error() }
func (e *errSettings) Unwrap() error { return e.err }

// checkServer checks, as the connector and its task start, that the
// server keeps a binary log the connector can read (binlog.CheckServer:
// log_bin, binlog_format=ROW, binlog_row_image=FULL,
// binlog_row_metadata=FULL, a server_id), and that database.server.id is
// not the server's own id. A wrong setting is an *errSettings whose
// message says which setting to change; other errors (the server is
// unreachable) are returned as they are.
func checkServer(ctx context.Context, db *sql.DB, s *settings) (binlog.ServerInfo, error) {
	info, err := binlog.CheckServer(ctx, db)
	var se *binlog.SettingError
	if errors.As(err, &se) {
		return info, &errSettings{fmt.Errorf("mysqlcdc: the server at %s cannot be captured until its settings change: %w", s.addr(), err)}
	}
	if err != nil {
		return info, fmt.Errorf("mysqlcdc: checking the server at %s: %w", s.addr(), err)
	}
	if info.ServerID == s.serverID {
		return info, &errSettings{fmt.Errorf("mysqlcdc: %s is %d, the server's own server_id: give the connector an id "+
			"that no server or replica uses", keyServerID, s.serverID)}
	}
	return info, nil
}
