package dbtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The account every server accepts over TCP, with every privilege.
const (
	User     = "sluice"
	Password = "sluice"
)

// startTimeout bounds how long a server may take to accept connections.
const startTimeout = 90 * time.Second

// Server is one running (or stopped) database server. Its methods are
// safe for concurrent use.
type Server struct {
	// Host is the address the server listens on, 127.0.0.1.
	Host string
	// Port is its TCP port; it stays the same across Stop and Start.
	Port int

	kind    kind
	dir     string // the server's own directory: data, socket, log
	options []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	admin  client        // as User, on the kind's admin database
	dbSeq  atomic.Int64
}

// kind is what differs between MariaDB and PostgreSQL.
type kind interface {
	name() string
	// initTemplate initialises an empty data directory in dir/data.
	initTemplate(dir string) error
	// prepareDir readies a directory the server will write in.
	prepareDir(dir string) error
	// command returns the server's command line for the server s.
	command(s *Server) (*exec.Cmd, error)
	// stopSignal asks the server for a clean, quick shutdown.
	stopSignal() os.Signal
	// client connects to a database of the server as User ("" for the
	// kind's admin database).
	client(s *Server, db string) (client, error)
	// dsn and jdbcURL name a database of the server.
	dsn(s *Server, db string) string
	jdbcURL(s *Server, db string) string
	createDatabase(ctx context.Context, admin client, name string) error
}

// Database is a fresh, empty database of a server, for one test.
type Database struct {
	Server *Server
	// Name is the database's name.
	Name string
	// DSN is the Go driver's DSN of the database, as User (for
	// github.com/go-sql-driver/mysql or github.com/jackc/pgx/v5).
	DSN string
	// JDBCURL is its JDBC URL, without user or password, such as
	// jdbc:mariadb://127.0.0.1:33061/t_3_insert.
	JDBCURL string

	c client // as User, closed when the test ends
}

var (
	mainRunning atomic.Bool
	baseDir     string // holds the templates and the shared servers

	templateMu sync.Mutex
	templates  = map[string]*template{}

	sharedMu sync.Mutex
	shared   = map[string]*sharedServer{}
)

type template struct {
	once sync.Once
	dir  string
	err  error
}

type sharedServer struct {
	once sync.Once
	s    *Server
	err  error
}

// Main runs the tests of a binary that uses dbtest, then stops the
// servers SharedMariaDB and SharedPostgres started and removes every
// directory dbtest made. Call it from TestMain and exit with its result.
func Main(m *testing.M) int {
	teardown, err := Setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	teardown()
	return code
}

// Setup is Main without running the tests, for a TestMain that runs them
// itself (one that sets up another package too, such as s3test): call it
// once, before m.Run, and call teardown after. Setup makes dbtest's
// temporary directory; servers start later, when a test asks for one.
// teardown stops the servers SharedMariaDB and SharedPostgres started
// and removes every directory dbtest made, printing what fails to
// stderr; tests that ask for a server after it fail.
func Setup() (teardown func(), err error) {
	dir, err := os.MkdirTemp("", "dbtest-")
	if err != nil {
		return nil, fmt.Errorf("dbtest: %w", err)
	}
	// PostgreSQL runs as another user when the tests run as root: it
	// must be able to reach its directories below this one.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("dbtest: %w", err)
	}
	baseDir = dir
	mainRunning.Store(true)
	return func() {
		mainRunning.Store(false)
		sharedMu.Lock()
		for _, sh := range shared {
			if sh.s != nil {
				if err := sh.s.Stop(); err != nil {
					fmt.Fprintln(os.Stderr, "dbtest:", err)
				}
			}
		}
		sharedMu.Unlock()
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest:", err)
		}
	}, nil
}

func requireMain(t testing.TB) {
	t.Helper()
	if !mainRunning.Load() {
		t.Fatal("dbtest: the test binary must run its tests through dbtest.Main (func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }) or call dbtest.Setup in its TestMain")
	}
}

// shared returns the binary's shared server of the kind, starting it on
// first use.
func sharedOf(t testing.TB, k kind) *Server {
	t.Helper()
	requireMain(t)
	sharedMu.Lock()
	sh := shared[k.name()]
	if sh == nil {
		sh = &sharedServer{}
		shared[k.name()] = sh
	}
	sharedMu.Unlock()
	sh.once.Do(func() { sh.s, sh.err = start(k, nil) })
	if sh.err != nil {
		t.Fatalf("dbtest: starting the shared %s server: %v", k.name(), sh.err)
	}
	return sh.s
}

// startOwn starts a server of the test's own and stops it when the test
// ends.
func startOwn(t testing.TB, k kind, options []string) *Server {
	t.Helper()
	requireMain(t)
	s, err := start(k, options)
	if err != nil {
		t.Fatalf("dbtest: starting %s: %v", k.name(), err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("dbtest: %v", err)
		}
		if err := os.RemoveAll(s.dir); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	return s
}

// templateOf returns the directory holding the kind's initialised data
// directory (in data/), made once per binary.
func templateOf(k kind) (string, error) {
	templateMu.Lock()
	tp := templates[k.name()]
	if tp == nil {
		tp = &template{}
		templates[k.name()] = tp
	}
	templateMu.Unlock()
	tp.once.Do(func() {
		tp.dir = filepath.Join(baseDir, k.name()+"-template")
		if tp.err = os.Mkdir(tp.dir, 0o755); tp.err != nil {
			return
		}
		if tp.err = k.prepareDir(tp.dir); tp.err != nil {
			return
		}
		tp.err = k.initTemplate(tp.dir)
	})
	return tp.dir, tp.err
}

var serverSeq atomic.Int64

// start makes a server's directory from the template and starts it on a
// free port, trying another port if the one it got was taken meanwhile.
func start(k kind, options []string) (*Server, error) {
	tpl, err := templateOf(k)
	if err != nil {
		return nil, fmt.Errorf("initialising a %s data directory: %w", k.name(), err)
	}
	dir := filepath.Join(baseDir, fmt.Sprintf("%s-%d", k.name(), serverSeq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	// cp -a keeps the owner and modes PostgreSQL insists on.
	if out, err := exec.Command("cp", "-a", filepath.Join(tpl, "data"), filepath.Join(dir, "data")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("copying the template data directory: %v: %s", err, out)
	}
	if err := k.prepareDir(dir); err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", kind: k, dir: dir, options: options}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if s.Port, err = freePort(); err != nil {
			return nil, err
		}
		if lastErr = s.Start(); lastErr == nil {
			return s, nil
		}
		if !strings.Contains(lastErr.Error(), "already in use") {
			break
		}
	}
	return nil, lastErr
}

// freePort returns a TCP port of 127.0.0.1 that nothing listened on a
// moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Kind returns "mariadb" or "postgres".
func (s *Server) Kind() string { return s.kind.name() }

// Addr returns host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Dir returns the server's directory: its data directory is Dir()/data
// and its log Dir()/server.log.
func (s *Server) Dir() string { return s.dir }

// Start starts the stopped server again, on the same port and data, and
// waits until it accepts connections. Starting a running server does
// nothing.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	cmd, err := s.kind.command(s)
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(s.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// The server dies with the test binary, even if Main never gets to
	// stop it.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	if err := s.waitReady(exited); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		s.cmd, s.exited = nil, nil
		return err
	}
	return nil
}

// waitReady pings the server until it answers, it exits, or startTimeout
// passes.
func (s *Server) waitReady(exited <-chan struct{}) error {
	if s.admin == nil {
		c, err := s.kind.client(s, "")
		if err != nil {
			return err
		}
		s.admin = c
	}
	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("%s exited while starting: %s", s.kind.name(), s.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		lastErr = s.admin.ping(ctx)
		cancel()
		if lastErr == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not accept connections within %v: %v; log: %s", s.kind.name(), startTimeout, lastErr, s.logTail())
}

func (s *Server) logPath() string { return filepath.Join(s.dir, "server.log") }

// logTail returns the end of the server's log, for errors.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil {
		return err.Error()
	}
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// Stop shuts the server down cleanly and waits for it to exit (killing it
// after 30 s). Connections break; Start brings it back with its data.
// Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	return s.halt(s.kind.stopSignal(), 30*time.Second)
}

// Kill kills the server and every process it started with SIGKILL, as a
// crash would, and waits for it to exit; Start recovers it from its logs.
func (s *Server) Kill() error {
	return s.halt(syscall.SIGKILL, 30*time.Second)
}

func (s *Server) halt(sig os.Signal, grace time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	if sig == syscall.SIGKILL {
		// A crash takes every process of the server, as the death of its
		// machine would: PostgreSQL's backends (each in a process group
		// of its own) too. The server is frozen first, so that it forks
		// no more while its children are found.
		pid := s.cmd.Process.Pid
		_ = syscall.Kill(pid, syscall.SIGSTOP)
		var killed []int
		for range 10 {
			children := descendants(pid)
			if len(children) == 0 {
				break
			}
			for _, child := range children {
				_ = syscall.Kill(child, syscall.SIGKILL)
			}
			killed = append(killed, children...)
			waitGone(children)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		waitGone(killed)
	} else {
		_ = s.cmd.Process.Signal(sig)
	}
	var err error
	select {
	case <-s.exited:
	case <-time.After(grace):
		_ = s.cmd.Process.Kill()
		<-s.exited
		err = fmt.Errorf("%s did not stop within %v after %v; killed it", s.kind.name(), grace, sig)
	}
	s.cmd, s.exited = nil, nil
	return err
}

// waitGone waits (up to 10 s) until the processes have died: their
// shared memory is released then, which PostgreSQL checks as it starts.
func waitGone(pids []int) {
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range pids {
		for alive(p) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// alive tells whether a process exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

// descendants returns the live processes below pid, from /proc.
func descendants(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 {
			continue
		}
		if fields[0] == "Z" || fields[0] == "X" {
			continue // dead already
		}
		if ppid, err := strconv.Atoi(fields[1]); err == nil {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, children[p]...)
		queue = append(queue, children[p]...)
	}
	return out
}

// Restart stops the server cleanly and starts it again.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.Start()
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDatabase creates an empty database named after the test and returns
// it, with a pool of connections that is closed when the test ends. The
// database itself stays until the server's directory is removed.
func (s *Server) NewDatabase(t testing.TB) *Database {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", s.dbSeq.Add(1), unsafeName.ReplaceAllString(strings.ToLower(t.Name()), "_"))
	if len(name) > 60 {
		name = name[:60]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.kind.createDatabase(ctx, s.admin, name); err != nil {
		t.Fatalf("dbtest: creating database %s on %s: %v", name, s.kind.name(), err)
	}
	c, err := s.kind.client(s, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return &Database{Server: s, Name: name, DSN: s.kind.dsn(s, name), JDBCURL: s.kind.jdbcURL(s, name), c: c}
}

// runAsPostgres sets cmd to run as the postgres system user when the
// binary runs as root: PostgreSQL refuses to run as root.
func runAsPostgres(cmd *exec.Cmd) error {
	uid, gid, ok, err := postgresUser()
	if err != nil || !ok {
		return err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
	return nil
}

// postgresUser returns the postgres user's ids when the binary runs as
// root; ok is false when it does not.
func postgresUser() (uid, gid uint32, ok bool, err error) {
	if os.Geteuid() != 0 {
		return 0, 0, false, nil
	}
	u, err := lookupUser("postgres")
	if err != nil {
		return 0, 0, false, fmt.Errorf("the tests run as root and PostgreSQL refuses root, but there is no postgres user to run it as (scripts/setup installs the postgresql package, which adds it): %w", err)
	}
	return u.uid, u.gid, true, nil
}

// chownToPostgres gives dir and what it holds to the user PostgreSQL
// runs as, when that is not the binary's user.
func chownToPostgres(dir string) error {
	uid, gid, ok, err := postgresUser()
	if err != nil || !ok {
		return err
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(uid), int(gid))
	})
}

type sysUser struct{ uid, gid uint32 }

// lookupUser reads /etc/passwd, so that dbtest needs no cgo user lookup.
func lookupUser(name string) (sysUser, error) {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return sysUser{}, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[0] != name {
			continue
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err := errors.Join(err1, err2); err != nil {
			return sysUser{}, fmt.Errorf("/etc/passwd: user %s: %w", name, err)
		}
		return sysUser{uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return sysUser{}, fmt.Errorf("no user %s in /etc/passwd", name)
}

// lookBinary returns the path of a server binary, or an error that says
// how to install it.
func lookBinary(path, pkg string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s is missing: install the %s package (scripts/setup does): %w", path, pkg, err)
	}
	return path, nil
}
