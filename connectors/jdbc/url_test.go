package jdbc

import (
	"strconv"
	"strings"
	"testing"
)

// TestConnectionURLReachesTheRightDatabase checks what each form of
// connection.url turns into: the dialect, the host, port, database,
// user, password and TLS setting the driver is given.
func TestConnectionURLReachesTheRightDatabase(t *testing.T) {
	tests := []struct {
		url                          string
		dialect                      string
		addr, db, user, pass, tlsCfg string
	}{
		{url: "jdbc:mysql://db.example:3307/shop?user=ann&password=s%3Dcret&useSSL=false",
			dialect: "MySQL", addr: "db.example:3307", db: "shop", user: "ann", pass: "s=cret", tlsCfg: "false"},
		{url: "jdbc:mariadb://10.0.0.1/shop?sslMode=verify-full",
			dialect: "MySQL", addr: "10.0.0.1:3306", db: "shop", tlsCfg: "true"},
		{url: "jdbc:mysql://ann:pw@[::1]:3306/my%20db?sslMode=REQUIRED&rewriteBatchedStatements=true",
			dialect: "MySQL", addr: "[::1]:3306", db: "my db", user: "ann", pass: "pw", tlsCfg: "skip-verify"},
		{url: "JDBC:MySQL://h", dialect: "MySQL", addr: "h:3306"},
		{url: "ann:pw@tcp(h:3310)/shop?parseTime=true",
			dialect: "MySQL", addr: "h:3310", db: "shop", user: "ann", pass: "pw"},
		{url: "jdbc:postgresql://pg.example:5433/shop?user=ann&password=pw&sslmode=require&ApplicationName=x",
			dialect: "PostgreSQL", addr: "pg.example:5433", db: "shop", user: "ann", pass: "pw", tlsCfg: "require"},
		{url: "jdbc:postgresql://pg.example/shop?ssl=false", dialect: "PostgreSQL", addr: "pg.example:5432", db: "shop", tlsCfg: "disable"},
		{url: "jdbc:postgresql:shop?user=bob", dialect: "PostgreSQL", addr: "localhost:5432", db: "shop", user: "bob", tlsCfg: "prefer"},
		{url: "postgres://ann:pw@pg.example:6000/shop?sslmode=disable",
			dialect: "PostgreSQL", addr: "pg.example:6000", db: "shop", user: "ann", pass: "pw", tlsCfg: "disable"},
		{url: "host=pg.example port=6001 dbname=shop user=ann password=pw sslmode=disable",
			dialect: "PostgreSQL", addr: "pg.example:6001", db: "shop", user: "ann", pass: "pw", tlsCfg: "disable"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			tg, err := parseTarget(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if tg.dialect.name() != tt.dialect {
				t.Fatalf("dialect %s, want %s", tg.dialect.name(), tt.dialect)
			}
			var addr, db, user, pass, tlsCfg string
			switch ep := tg.endpoint.(type) {
			case *mysqlEndpoint:
				addr, db, user, pass, tlsCfg = ep.cfg.Addr, ep.cfg.DBName, ep.cfg.User, ep.cfg.Passwd, ep.cfg.TLSConfig
				if !ep.cfg.InterpolateParams || !ep.cfg.MultiStatements {
					t.Error("the MySQL driver must interpolate parameters and take several statements")
				}
			case *pgEndpoint:
				addr = ep.cfg.Host + ":" + strconv.Itoa(int(ep.cfg.Port))
				db, user, pass = ep.cfg.Database, ep.cfg.User, ep.cfg.Password
				switch {
				case ep.cfg.TLSConfig == nil:
					tlsCfg = "disable"
				case len(ep.cfg.Fallbacks) > 0 && ep.cfg.Fallbacks[0].TLSConfig == nil:
					tlsCfg = "prefer"
				default:
					tlsCfg = "require"
				}
				if tt.user == "" {
					user = "" // pgx's default: the OS user
				}
			}
			got := []string{addr, db, user, pass, tlsCfg}
			want := []string{tt.addr, tt.db, tt.user, tt.pass, tt.tlsCfg}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("addr|db|user|password|tls = %q, want %q", got, want)
			}
			if strings.Contains(tg.endpoint.String(), "pw") || strings.Contains(tg.endpoint.String(), "cret") {
				t.Fatalf("endpoint %s shows the password", tg.endpoint)
			}
		})
	}
}

// TestConnectionURLErrorsSayWhatIsWrong checks that a bad connection.url
// is refused with a reason, and that the reason never shows a password.
func TestConnectionURLErrorsSayWhatIsWrong(t *testing.T) {
	tests := []struct{ url, want string }{
		{"jdbc:oracle:thin:@h:1521:x", "jdbc:mysql:, jdbc:mariadb:, jdbc:postgresql:"},
		{"jdbc:mysql://h:99999/db?password=hunter2", "port of host h is not a number"},
		{"jdbc:mysql://a,b/db?password=hunter2", "one host"},
		{"jdbc:mysql://[::1/db", "closing ]"},
		{"jdbc:mysql://h&password=hunter2/db", "not a host name"},
		{"jdbc:postgresql://h/db?sslmode=sometimes&password=hunter2", "sslmode=sometimes"},
		{"jdbc:mysql://h/db?%zz=1", "not validly percent-encoded"},
		{"jdbc:", "names its database"},
		{"mongodb://h/db", "not a JDBC URL"},
		{"just words", "not a JDBC URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := parseTarget(tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %v shows the password", err)
			}
		})
	}
}
