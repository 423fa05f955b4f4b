package dbtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// StartPostgres starts a PostgreSQL server of the test's own and stops it
// when the test ends. settings are more server settings as name=value
// (each passed as -c name=value, after dbtest's own), such as
// "max_replication_slots=4". Every server runs with wal_level=logical.
func StartPostgres(t testing.TB, settings ...string) *Server {
	t.Helper()
	return startOwn(t, postgres{}, settings)
}

// SharedPostgres returns the test binary's shared PostgreSQL server,
// starting it on first use; Main stops it. Tests must not stop it: one
// that does takes a server of its own with StartPostgres.
func SharedPostgres(t testing.TB) *Server {
	t.Helper()
	return sharedOf(t, postgres{})
}

type postgres struct{}

func (postgres) name() string { return "postgres" }

func (postgres) prepareDir(dir string) error { return chownToPostgres(dir) }

// postgresBin returns the path of a PostgreSQL program, from the newest
// version under /usr/lib/postgresql.
func postgresBin(program string) (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		p := filepath.Join(d, program)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no /usr/lib/postgresql/<version>/bin/%s: install the postgresql package (scripts/setup does)", program)
}

func pgVersion(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func (postgres) initTemplate(dir string) error {
	bin, err := postgresBin("initdb")
	if err != nil {
		return err
	}
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o644); err != nil {
		return err
	}
	if err := chownToPostgres(dir); err != nil {
		return err
	}
	cmd := exec.Command(bin, "-D", filepath.Join(dir, "data"), "-U", User, "--pwfile="+pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if err := runAsPostgres(cmd); err != nil {
		return err
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", bin, err, out)
	}
	return nil
}

func (postgres) command(s *Server) (*exec.Cmd, error) {
	bin, err := postgresBin("postgres")
	if err != nil {
		return nil, err
	}
	args := []string{"-D", filepath.Join(s.dir, "data"), "-p", strconv.Itoa(s.Port), "-k", s.dir,
		"-c", "listen_addresses=" + s.Host, "-c", "wal_level=logical", "-c", "max_connections=100",
		"-c", "shared_buffers=32MB"}
	for _, o := range s.options {
		args = append(args, "-c", o)
	}
	cmd := exec.Command(bin, args...)
	if err := runAsPostgres(cmd); err != nil {
		return nil, err
	}
	return cmd, nil
}

// stopSignal is SIGINT, PostgreSQL's fast shutdown: it ends the
// sessions rather than waiting for them.
func (postgres) stopSignal() os.Signal { return os.Interrupt }

func (p postgres) client(s *Server, db string) (client, error) {
	if db == "" {
		db = "postgres"
	}
	return newPGClient(p.dsn(s, db))
}

func (postgres) dsn(s *Server, db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(User, Password), Host: s.Addr(), Path: "/" + db,
		RawQuery: "sslmode=disable"}
	return u.String()
}

func (postgres) jdbcURL(s *Server, db string) string {
	return "jdbc:postgresql://" + s.Addr() + "/" + db
}

func (postgres) createDatabase(ctx context.Context, admin client, name string) error {
	return admin.exec(ctx, `CREATE DATABASE "`+strings.ReplaceAll(name, `"`, `""`)+`"`)
}
