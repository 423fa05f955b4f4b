// Package dbtest starts real MariaDB and PostgreSQL servers for tests:
// the Debian packages' mariadbd and postgres, each on a free port of
// 127.0.0.1 with its data in a temporary directory, stopped and removed
// when the test binary ends. Tests talk to them through the same drivers
// Sluice's connectors use.
//
// A test binary that uses dbtest runs its tests through Main:
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
//
// SharedMariaDB and SharedPostgres start one server of each kind for the
// whole binary, the first time a test asks for it; tests share it and
// keep apart by taking a fresh database each (Server.NewDatabase).
// StartMariaDB and StartPostgres start a server of the test's own, for a
// test that stops or restarts it (Server.Stop, Server.Start,
// Server.Restart, Server.Kill) or needs other server options (the binary
// log settings of a change data capture test, for example); it is stopped
// when the test ends.
//
// Each kind's data directory is initialised once per binary
// (mariadb-install-db, initdb) and copied for every server, so a server
// starts in about a second. A missing binary fails the test: scripts/setup
// installs the mariadb-server and postgresql packages, and dbtest never
// skips.
//
// When the test binary runs as root, mariadbd runs with --user=root and
// PostgreSQL, which refuses root, runs as the postgres system user, which
// then owns the server's directory. Every server lets the user sluice
// (password sluice) connect over TCP with all privileges.
package dbtest
