package jdbc

import (
	"reflect"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// FuzzConnectionURL feeds connection.url any text. The parser must never
// panic; a JDBC URL it accepts must render to a canonical form that
// parses back to the same parts; a MySQL target's config must be one the
// driver takes (and, as DSN text, read back to the same address,
// database and user); and an error must never show the password of a
// password= property.
//
//	go test -run '^$' -fuzz FuzzConnectionURL -fuzztime 30s ./connectors/jdbc
func FuzzConnectionURL(f *testing.F) {
	for _, seed := range []string{
		"jdbc:mysql://db.example:3307/shop?user=ann&password=s%3Dcret&useSSL=false",
		"jdbc:mariadb://10.0.0.1/shop?sslMode=verify-full",
		"jdbc:mysql://ann:pw@[::1]:3306/my%20db?sslMode=REQUIRED",
		"jdbc:postgresql://a:5432,b:5433/shop?targetServerType=primary&connectTimeout=5",
		"jdbc:postgresql:shop?user=bob",
		"jdbc:postgresql:/",
		"ann:pw@tcp(h:3310)/shop?parseTime=true",
		"postgres://ann:pw@pg.example:6000/shop?sslmode=disable",
		"host=pg.example port=6001 dbname=shop",
		"jdbc:mysql://h:99999/db",
		"jdbc:oracle:thin:@h:1521:x",
		"jdbc:mysql://u%40x:p%3Ay@h/d%2Fb?a=&b=%26",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := parseTarget(s)
		if err != nil {
			if _, pass, ok := strings.Cut(s, "password="); ok {
				pass, _, _ = strings.Cut(pass, "&")
				if len(pass) >= 8 && !strings.ContainsAny(pass, "%+") && strings.Contains(err.Error(), pass) {
					t.Fatalf("error %q shows the password %q", err, pass)
				}
			}
		} else if ep, ok := tg.endpoint.(*mysqlEndpoint); ok {
			// The sink hands the driver its Config, not DSN text.
			if _, err := mysql.NewConnector(ep.cfg); err != nil {
				t.Fatalf("the driver refuses the config made from %q: %v", s, err)
			}
			// The DSN text cannot hold a user with a colon; otherwise it
			// must read back the same.
			if !strings.Contains(ep.cfg.User, ":") {
				back, err := mysql.ParseDSN(ep.cfg.FormatDSN())
				if err != nil {
					t.Fatalf("the driver cannot read back the DSN made from %q: %v", s, err)
				}
				// A password goes with a user (connection.user may give
				// it later): without one the DSN has no room for it.
				if back.Addr != ep.cfg.Addr || back.DBName != ep.cfg.DBName || back.User != ep.cfg.User ||
					(ep.cfg.User != "" && back.Passwd != ep.cfg.Passwd) {
					t.Fatalf("DSN round trip of %q: got %s/%s/%s, want %s/%s/%s", s, back.Addr, back.DBName, back.User,
						ep.cfg.Addr, ep.cfg.DBName, ep.cfg.User)
				}
			}
		}
		if _, ok := cutPrefixFold(s, "jdbc:"); !ok {
			return
		}
		u, err := parseJDBCURL(s)
		if err != nil {
			return
		}
		canonical := u.render(true)
		again, err := parseJDBCURL(canonical)
		if err != nil {
			t.Fatalf("%q parsed, but its canonical form %q does not: %v", s, canonical, err)
		}
		if !reflect.DeepEqual(u, again) {
			t.Fatalf("%q and its canonical form %q parse differently:\n%+v\n%+v", s, canonical, u, again)
		}
	})
}
