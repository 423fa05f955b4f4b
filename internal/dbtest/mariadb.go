package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// The MariaDB binaries, as Debian's mariadb-server package installs them.
const (
	mariadbInstallDB = "/usr/bin/mariadb-install-db"
	mariadbd         = "/usr/sbin/mariadbd"
)

// StartMariaDB starts a MariaDB server of the test's own and stops it when
// the test ends. options are more mariadbd command-line options, after
// dbtest's own, such as the binary log settings of a change data capture
// test:
//
//	dbtest.StartMariaDB(t, "--log-bin=binlog", "--binlog-format=ROW",
//		"--binlog-row-image=FULL", "--binlog-row-metadata=FULL", "--server-id=1")
func StartMariaDB(t testing.TB, options ...string) *Server {
	t.Helper()
	return startOwn(t, mariaDB{}, options)
}

// SharedMariaDB returns the test binary's shared MariaDB server, starting
// it on first use; Main stops it. Tests must not stop it: one that does
// takes a server of its own with StartMariaDB.
func SharedMariaDB(t testing.TB) *Server {
	t.Helper()
	return sharedOf(t, mariaDB{})
}

type mariaDB struct{}

func (mariaDB) name() string { return "mariadb" }

func (mariaDB) prepareDir(string) error { return nil }

func (mariaDB) initTemplate(dir string) error {
	bin, err := lookBinary(mariadbInstallDB, "mariadb-server")
	if err != nil {
		return err
	}
	// A temporary directory of its own: at start-up mariadbd deletes
	// the #sql* files it finds in its tmpdir, which are another
	// bootstrap's when several test binaries initialise at once in /tmp.
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--tmpdir=" + tmp}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", bin, err, out)
	}
	return nil
}

// initSQL runs at every start of the server (--init-file) and lets the
// test user in over TCP.
const initSQL = `CREATE USER IF NOT EXISTS 'sluice'@'127.0.0.1' IDENTIFIED BY 'sluice';
GRANT ALL PRIVILEGES ON *.* TO 'sluice'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'sluice'@'%' IDENTIFIED BY 'sluice';
GRANT ALL PRIVILEGES ON *.* TO 'sluice'@'%' WITH GRANT OPTION;
`

func (mariaDB) command(s *Server) (*exec.Cmd, error) {
	bin, err := lookBinary(mariadbd, "mariadb-server")
	if err != nil {
		return nil, err
	}
	initFile := filepath.Join(s.dir, "init.sql")
	if err := os.WriteFile(initFile, []byte(initSQL), 0o644); err != nil {
		return nil, err
	}
	tmp := filepath.Join(s.dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	args := []string{
		"--no-defaults",
		"--datadir=" + filepath.Join(s.dir, "data"),
		"--port=" + strconv.Itoa(s.Port),
		"--bind-address=" + s.Host,
		"--socket=" + filepath.Join(s.dir, "mysqld.sock"),
		"--pid-file=" + filepath.Join(s.dir, "mysqld.pid"),
		"--tmpdir=" + tmp,
		"--init-file=" + initFile,
		"--skip-name-resolve",
		"--innodb-buffer-pool-size=64M",
		// As Debian's packaged server is set up (50-server.cnf), which
		// --no-defaults leaves out.
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	args = append(args, s.options...)
	return exec.Command(bin, args...), nil
}

func (mariaDB) stopSignal() os.Signal { return syscall.SIGTERM }

// client is a database/sql pool; its DSN has parseTime, so that DATE and
// DATETIME columns scan into time.Time.
func (m mariaDB) client(s *Server, db string) (client, error) {
	cfg, err := mysql.ParseDSN(m.dsn(s, db))
	if err != nil {
		return nil, err
	}
	cfg.ParseTime = true
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	pool := sql.OpenDB(c)
	pool.SetMaxOpenConns(4)
	return sqlClient{pool}, nil
}

func (mariaDB) dsn(s *Server, db string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = User, Password
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", s.Addr(), db
	return cfg.FormatDSN()
}

func (mariaDB) jdbcURL(s *Server, db string) string {
	return "jdbc:mariadb://" + s.Addr() + "/" + db
}

func (mariaDB) createDatabase(ctx context.Context, admin client, name string) error {
	return admin.exec(ctx, "CREATE DATABASE `"+name+"`")
}
