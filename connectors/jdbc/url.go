package jdbc

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// jdbcURL is a JDBC URL taken apart:
//
//	jdbc:<subprotocol>://[user[:password]@]host[:port][,host[:port]...][/database][?name=value[&name=value...]]
//
// and, for PostgreSQL, the host-less forms jdbc:postgresql:database and
// jdbc:postgresql:/. Names and values are percent-decoded.
type jdbcURL struct {
	// subprotocol is lower-case: mysql, mariadb, postgresql.
	subprotocol string
	// hosts is empty when the URL names none (the driver's default).
	hosts    []hostPort
	database string
	// user and password come from the authority's user info.
	user, password string
	hasPassword    bool
	// props are the query's properties, in order.
	props []property
}

type hostPort struct {
	host string
	port int // 0: the dialect's default
}

type property struct{ name, value string }

// String renders the URL back, without its passwords, for logs and
// errors.
func (u *jdbcURL) String() string { return u.render(false) }

// render writes the URL in its canonical form, which parses back to the
// same jdbcURL; secrets shows the passwords, else they are ****.
func (u *jdbcURL) render(secrets bool) string {
	var b strings.Builder
	b.WriteString("jdbc:" + u.subprotocol + "://")
	if u.user != "" || u.hasPassword {
		b.WriteString(escapeUserinfo(u.user))
		if u.hasPassword {
			if secrets {
				b.WriteString(":" + escapeUserinfo(u.password))
			} else {
				b.WriteString(":****")
			}
		}
		b.WriteByte('@')
	}
	for i, h := range u.hosts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(h.String())
	}
	b.WriteString("/" + url.PathEscape(u.database))
	sep := "?"
	for _, p := range u.props {
		v := url.QueryEscape(p.value)
		if isSecretProperty(p.name) && !secrets {
			v = "****"
		}
		b.WriteString(sep + url.QueryEscape(p.name) + "=" + v)
		sep = "&"
	}
	return b.String()
}

// escapeUserinfo percent-encodes a user or password so that @ : / ? and
// spaces survive a parse.
func escapeUserinfo(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func (h hostPort) String() string {
	if h.port == 0 {
		if strings.Contains(h.host, ":") {
			return "[" + h.host + "]"
		}
		return h.host
	}
	return net.JoinHostPort(h.host, strconv.Itoa(h.port))
}

// isSecretProperty tells the properties whose values never reach a log.
func isSecretProperty(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || n == "sslpassword" || n == "sslkey"
}

// prop returns the last value of a property (names compare without
// regard to case, as the JDBC drivers do), and whether it is there.
func (u *jdbcURL) prop(name string) (string, bool) {
	v, ok := "", false
	for _, p := range u.props {
		if strings.EqualFold(p.name, name) {
			v, ok = p.value, true
		}
	}
	return v, ok
}

// parseJDBCURL takes a JDBC URL apart. Its errors never quote the URL,
// which may hold a password.
func parseJDBCURL(s string) (*jdbcURL, error) {
	rest, ok := cutPrefixFold(s, "jdbc:")
	if !ok {
		return nil, fmt.Errorf("a JDBC URL starts with jdbc:")
	}
	sub, rest, ok := strings.Cut(rest, ":")
	if !ok || sub == "" {
		return nil, fmt.Errorf("a JDBC URL names its database after jdbc:, as in jdbc:mysql://host/db")
	}
	u := &jdbcURL{subprotocol: strings.ToLower(sub)}
	rest, query, _ := strings.Cut(rest, "?")
	if authority, ok := strings.CutPrefix(rest, "//"); ok {
		authority, path, hasPath := strings.Cut(authority, "/")
		if hasPath {
			db, err := url.PathUnescape(path)
			if err != nil {
				return nil, fmt.Errorf("the database name is not validly percent-encoded")
			}
			u.database = db
		}
		if i := strings.LastIndexByte(authority, '@'); i >= 0 {
			userinfo := authority[:i]
			authority = authority[i+1:]
			user, pass, hasPass := strings.Cut(userinfo, ":")
			var err1, err2 error
			u.user, err1 = url.PathUnescape(user)
			u.password, err2 = url.PathUnescape(pass)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("the user or password before @ is not validly percent-encoded")
			}
			u.hasPassword = hasPass
		}
		if authority != "" {
			for _, h := range strings.Split(authority, ",") {
				hp, err := parseHostPort(h)
				if err != nil {
					return nil, err
				}
				u.hosts = append(u.hosts, hp)
			}
		}
	} else {
		// jdbc:postgresql:database, jdbc:postgresql:/
		if strings.ContainsAny(rest, "@,") {
			return nil, fmt.Errorf("the host part of a JDBC URL follows //, as in jdbc:%s://host/db", u.subprotocol)
		}
		db, err := url.PathUnescape(strings.TrimPrefix(rest, "/"))
		if err != nil {
			return nil, fmt.Errorf("the database name is not validly percent-encoded")
		}
		u.database = db
	}
	if query != "" {
		for _, kv := range strings.Split(query, "&") {
			if kv == "" {
				continue
			}
			name, value, _ := strings.Cut(kv, "=")
			n, err1 := url.QueryUnescape(name)
			v, err2 := url.QueryUnescape(value)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("property %q is not validly percent-encoded", safeName(name))
			}
			if n == "" {
				return nil, fmt.Errorf("a property after ? has no name")
			}
			u.props = append(u.props, property{name: n, value: v})
		}
	}
	return u, nil
}

// safeName shortens a property name for an error message.
func safeName(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// parseHostPort reads host, host:port, [v6] or [v6]:port.
func parseHostPort(s string) (hostPort, error) {
	if s == "" {
		return hostPort{}, fmt.Errorf("a host in the URL is empty")
	}
	host, portText := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return hostPort{}, fmt.Errorf("an IPv6 address in the URL lacks its closing ]")
		}
		host = s[1:end]
		after := s[end+1:]
		if after != "" {
			p, ok := strings.CutPrefix(after, ":")
			if !ok {
				return hostPort{}, fmt.Errorf("an IPv6 address in brackets is followed by something other than :port")
			}
			portText = p
		}
		if net.ParseIP(host) == nil {
			return hostPort{}, fmt.Errorf("what the URL holds in brackets is not an IPv6 address")
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, portText = s[:i], s[i+1:]
		if strings.Contains(host, ":") {
			return hostPort{}, fmt.Errorf("a host in the URL has several colons: write an IPv6 address in brackets, as in [::1]:3306")
		}
	}
	if host == "" {
		return hostPort{}, fmt.Errorf("a host in the URL has a port but no name")
	}
	if !strings.HasPrefix(s, "[") && !validHostName(host) {
		return hostPort{}, fmt.Errorf("a host in the URL is not a host name or IP address (letters, digits, dots, hyphens; an IPv6 address in brackets)")
	}
	hp := hostPort{host: host}
	if portText != "" || strings.HasSuffix(s, ":") {
		p, err := strconv.Atoi(portText)
		if err != nil || p < 1 || p > 65535 {
			return hostPort{}, fmt.Errorf("the port of host %s is not a number from 1 to 65535", host)
		}
		hp.port = p
	}
	return hp, nil
}

// validHostName accepts letters, digits, dots, hyphens and underscores.
func validHostName(h string) bool {
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// target is where connection.url points: the dialect that speaks to the
// database, and how to reach it.
type target struct {
	dialect  dialect
	endpoint endpoint
	// ignored lists the JDBC properties the Go driver has no use for
	// (driver tuning such as rewriteBatchedStatements), for a log line.
	ignored []string
}

// parseTarget reads connection.url: a JDBC URL of a known subprotocol, or
// one of the Go drivers' own DSNs.
func parseTarget(s string) (*target, error) {
	s = strings.TrimSpace(s)
	if rest, ok := cutPrefixFold(s, "jdbc:"); ok {
		sub, _, _ := strings.Cut(rest, ":")
		sub = strings.ToLower(sub)
		for _, d := range dialects {
			for _, known := range d.subprotocols() {
				if sub != known {
					continue
				}
				u, err := parseJDBCURL(s)
				if err != nil {
					return nil, err
				}
				ep, ignored, err := d.fromJDBC(u)
				if err != nil {
					return nil, err
				}
				return &target{dialect: d, endpoint: ep, ignored: ignored}, nil
			}
		}
		if sub == "" {
			return nil, fmt.Errorf("a JDBC URL names its database after jdbc:, as in jdbc:mysql://host/db")
		}
		if len(sub) > 20 || !validHostName(sub) {
			// Not a name: it may hold anything, a password too.
			return nil, fmt.Errorf("what follows jdbc: is not a database name; this connector takes %s", supportedSubprotocols())
		}
		return nil, fmt.Errorf("jdbc:%s: is not a database this connector writes to; it takes %s", sub, supportedSubprotocols())
	}
	for _, d := range dialects {
		ep, ok, err := d.fromNative(s)
		if err != nil {
			return nil, err
		}
		if ok {
			return &target{dialect: d, endpoint: ep}, nil
		}
	}
	return nil, fmt.Errorf("not a JDBC URL (%s) nor a DSN of the Go drivers (user:password@tcp(host:3306)/db, postgres://user@host/db, host=... dbname=...)", supportedSubprotocols())
}

func supportedSubprotocols() string {
	var subs []string
	for _, d := range dialects {
		for _, s := range d.subprotocols() {
			subs = append(subs, "jdbc:"+s+":")
		}
	}
	return strings.Join(subs, ", ")
}
