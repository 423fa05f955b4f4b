package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/config"
	"github.com/sluicehq/sluice/connect/rest"
)

// defaultListener is the REST listener of a worker whose listeners
// property is empty, as in Kafka Connect.
const defaultListener = "http://:8083"

// httpsPrefix starts the keys that configure TLS for the REST API alone,
// as in Kafka Connect (listeners.https.ssl.keystore.location).
const httpsPrefix = "listeners.https."

// The keys of basic authentication, which Kafka Connect does not have: it
// configures basic authentication through a REST extension and JAAS.
const (
	authTypeKey      = "rest.auth.type"
	authUsersFileKey = "rest.auth.basic.users.file"
	authUserKey      = "rest.auth.basic.user"
	authPasswordKey  = "rest.auth.basic.password"
)

// restServerConfig reads the REST listener settings from worker
// properties props and returns the host:port to serve the REST API on
// (for rest.Server.ListenAndServe) and the rest.Options that carry its
// TLS and basic authentication; it leaves the other fields of the
// Options zero. Values are trimmed of surrounding whitespace, as Kafka
// trims config values.
//
// Listener. listeners is Kafka Connect's comma list of http://host:port
// and https://host:port; an empty host means every interface, and an
// empty or absent value means http://:8083. Every entry is checked, but
// only the first is served: the others are reported in a warning log
// record and not listened on, where Kafka Connect would serve them all.
//
// TLS, for an https listener only (with an http one these keys are not
// read, since the ssl. keys also configure the worker's Kafka clients).
// As in Kafka Connect, the keys are read with the listeners.https. prefix
// if any key has that prefix, and otherwise without it; the two are never
// mixed, so once one listeners.https. key is set, the un-prefixed ssl.
// keys are ignored. With K standing for either form:
//
//   - K ssl.keystore.type: PEM (the default here; Kafka's default, JKS, and
//     PKCS12 are refused with a message to convert the key store to PEM).
//   - K ssl.keystore.location: a PEM file holding the private key and the
//     certificate chain, leaf first; or instead K ssl.keystore.key and K
//     ssl.keystore.certificate.chain, the same as PEM text. Line breaks in
//     the PEM text may be lost (as line continuations in a .properties
//     file lose them). The key is PKCS#8, PKCS#1 or SEC 1, unencrypted: an
//     encrypted key is refused, since the standard library cannot decrypt
//     it, so K ssl.key.password is never used. One of the two is required.
//   - K ssl.client.auth (Kafka Connect's name) or K
//     ssl.client.authentication (Confluent's): none (default), requested or
//     required, case-insensitive, for tls.NoClientCert,
//     tls.VerifyClientCertIfGiven and tls.RequireAndVerifyClientCert.
//   - K ssl.truststore.type (PEM) and K ssl.truststore.location, a PEM file
//     of the CA certificates client certificates are checked against, or
//     instead K ssl.truststore.certificates, the same as PEM text. Read
//     only when clients are authenticated, and then required: unlike Kafka
//     Connect, the system's CAs are never trusted for client certificates.
//   - K ssl.enabled.protocols: the TLS versions served, TLSv1.2 and TLSv1.3
//     (default both); older versions are refused. K ssl.protocol, which
//     names the JVM's SSLContext and does not narrow the versions a Kafka
//     Connect server accepts, is checked (TLS, TLSv1.2 or TLSv1.3) but
//     changes nothing.
//   - K ssl.cipher.suites: IANA names of the TLS 1.2 cipher suites to
//     offer (default Go's). Go offers every TLS 1.3 suite whatever the
//     list says; a list of TLS 1.3 suites only needs TLS 1.3 only.
//
// The JVM-specific keys (passwords of the key and trust stores,
// ssl.provider, ssl.keymanager.algorithm, ssl.trustmanager.algorithm,
// ssl.secure.random.implementation) are not read.
//
// Basic authentication, sluice's own keys. rest.auth.type is none
// (default) or basic, case-insensitive. With basic, the users are those of
// rest.auth.basic.users.file, a .properties file of user=password (or
// user: password) lines, the format of the user file of Kafka Connect's
// JAAS PropertyFileLoginModule, with passwords as written; and the one
// inline user rest.auth.basic.user with rest.auth.basic.password, which
// replaces a user of the file with the same name. At least one user is
// required. GET /health stays open, as rest.Options.BasicAuth says. A
// rest.auth.basic. key set while rest.auth.type is absent is an error, so
// that a forgotten rest.auth.type does not leave the API open.
//
// Errors. A setting that is invalid, or missing where it is required,
// makes it return an error worded as Kafka's ("Invalid value X for
// configuration K: reason") that names the key as it was set, with the
// prefix if any. Passwords and private keys never appear in it; they are
// shown as [hidden], as Kafka shows them.
func restServerConfig(props map[string]string) (addr string, opts rest.Options, err error) {
	scheme, addr, err := restListener(props["listeners"])
	if err != nil {
		return "", rest.Options{}, err
	}
	if scheme == "https" {
		if opts.TLS, err = restTLSConfig(props); err != nil {
			return "", rest.Options{}, err
		}
	}
	if opts.BasicAuth, err = restBasicAuth(props); err != nil {
		return "", rest.Options{}, err
	}
	return addr, opts, nil
}

// invalidValue returns Kafka's error for an invalid setting. The value is
// shown as it is given: callers pass shown(key, value).
func invalidValue(key, value, reason string) error {
	return fmt.Errorf("Invalid value %s for configuration %s: %s", value, key, reason)
}

// shown returns the value of key as an error may show it: [hidden] for a
// password or a private key, [PEM text] for inline certificates (too long
// to be of use), the value itself otherwise.
func shown(key, value string) string {
	switch {
	case strings.HasSuffix(key, "password") || strings.HasSuffix(key, "ssl.keystore.key"):
		return "[hidden]"
	case strings.HasSuffix(key, "ssl.keystore.certificate.chain") || strings.HasSuffix(key, "ssl.truststore.certificates"):
		return "[PEM text]"
	}
	return value
}

// restListener returns the scheme ("http" or "https") and host:port of the
// first of listeners, having checked them all.
func restListener(listeners string) (scheme, addr string, err error) {
	listeners = strings.TrimSpace(listeners)
	if listeners == "" {
		listeners = defaultListener
	}
	entries := strings.Split(listeners, ",")
	for i, l := range entries {
		l = strings.TrimSpace(l)
		if l == "" {
			return "", "", invalidValue("listeners", listeners, "the list has an empty listener")
		}
		s, hostport, ok := strings.Cut(l, "://")
		if !ok {
			return "", "", invalidValue("listeners", l, "a listener is http://host:port or https://host:port")
		}
		s = strings.ToLower(s)
		if s != "http" && s != "https" {
			return "", "", invalidValue("listeners", l, "the scheme must be http or https")
		}
		hostport = strings.TrimSuffix(hostport, "/")
		_, port, err := net.SplitHostPort(hostport)
		if err != nil {
			return "", "", invalidValue("listeners", l, fmt.Sprintf("a listener is %s://host:port: %v", s, err))
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return "", "", invalidValue("listeners", l, "the port must be a number from 0 to 65535")
		}
		if i == 0 {
			scheme, addr = s, hostport
		}
	}
	if len(entries) > 1 {
		slog.Warn("the REST API is served on the first of listeners only", "listeners", listeners, "served", strings.TrimSpace(entries[0]))
	}
	return scheme, addr, nil
}

// sslKeys reads the TLS settings of an https listener from props, with
// prefix (listeners.https. or nothing) before each key.
type sslKeys struct {
	props  map[string]string
	prefix string
}

// newSSLKeys returns the TLS settings of props as Kafka Connect's
// WorkerConfig.valuesWithPrefixAllOrNothing("listeners.https.") picks
// them: all prefixed if one key has the prefix, else all un-prefixed.
func newSSLKeys(props map[string]string) sslKeys {
	for k := range props {
		if strings.HasPrefix(k, httpsPrefix) {
			return sslKeys{props: props, prefix: httpsPrefix}
		}
	}
	return sslKeys{props: props}
}

// get returns the full name of the key and its trimmed value.
func (s sslKeys) get(name string) (key, value string) {
	key = s.prefix + name
	return key, strings.TrimSpace(s.props[key])
}

// invalid is invalidValue for the key of s named name.
func (s sslKeys) invalid(name, reason string) error {
	key, value := s.get(name)
	return invalidValue(key, shown(key, value), reason)
}

// prefixNote says, in prefixed mode, why the un-prefixed keys are not read.
func (s sslKeys) prefixNote() string {
	if s.prefix == "" {
		return ""
	}
	return " (a " + httpsPrefix + " key is set, so the un-prefixed ssl. keys are not read)"
}

// restTLSConfig returns the TLS config of an https listener.
func restTLSConfig(props map[string]string) (*tls.Config, error) {
	s := newSSLKeys(props)
	cert, err := s.keyStore()
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	if cfg.MinVersion, cfg.MaxVersion, err = s.versions(); err != nil {
		return nil, err
	}
	if cfg.CipherSuites, err = s.cipherSuites(cfg.MinVersion); err != nil {
		return nil, err
	}
	if cfg.ClientAuth, err = s.clientAuth(); err != nil {
		return nil, err
	}
	if cfg.ClientAuth != tls.NoClientCert {
		if cfg.ClientCAs, err = s.trustStore(); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// checkPEMType checks that the store type key (ssl.keystore.type or
// ssl.truststore.type) is PEM or unset.
func (s sslKeys) checkPEMType(name, store string) error {
	key, typ := s.get(name)
	if typ == "" || strings.EqualFold(typ, "PEM") {
		return nil
	}
	return invalidValue(key, typ, fmt.Sprintf("sluice reads PEM %ss only: convert the %s to PEM and set %s=PEM", store, store, key))
}

// keyStore returns the server's certificate and key.
func (s sslKeys) keyStore() (tls.Certificate, error) {
	if err := s.checkPEMType("ssl.keystore.type", "key store"); err != nil {
		return tls.Certificate{}, err
	}
	locKey, loc := s.get("ssl.keystore.location")
	keyKey, key := s.get("ssl.keystore.key")
	chainKey, chain := s.get("ssl.keystore.certificate.chain")
	switch {
	case loc != "" && (key != "" || chain != ""):
		return tls.Certificate{}, s.invalid("ssl.keystore.location",
			fmt.Sprintf("set either it or %s and %s, not both", keyKey, chainKey))
	case loc != "":
		data, err := readFile(loc)
		if err != nil {
			return tls.Certificate{}, s.invalid("ssl.keystore.location", err.Error())
		}
		keys, certs, err := pemBlocks(string(data))
		if err != nil {
			return tls.Certificate{}, s.invalid("ssl.keystore.location", err.Error())
		}
		if err := checkKey(keys, s.prefix); err != nil {
			return tls.Certificate{}, s.invalid("ssl.keystore.location", err.Error())
		}
		if len(certs) == 0 {
			return tls.Certificate{}, s.invalid("ssl.keystore.location", "the file holds no CERTIFICATE: it must hold the private key and the certificate chain")
		}
		cert, err := keyPair(keys[0], certs)
		if err != nil {
			return tls.Certificate{}, s.invalid("ssl.keystore.location", err.Error())
		}
		return cert, nil
	case key != "" && chain != "":
		keys, _, err := pemBlocks(key)
		if err == nil {
			err = checkKey(keys, s.prefix)
		}
		if err != nil {
			return tls.Certificate{}, s.invalid("ssl.keystore.key", err.Error())
		}
		_, certs, err := pemBlocks(chain)
		if err == nil && len(certs) == 0 {
			err = errors.New("it holds no CERTIFICATE")
		}
		if err != nil {
			return tls.Certificate{}, s.invalid("ssl.keystore.certificate.chain", err.Error())
		}
		cert, err := keyPair(keys[0], certs)
		if err != nil {
			return tls.Certificate{}, s.invalid("ssl.keystore.key", err.Error())
		}
		return cert, nil
	case key != "":
		return tls.Certificate{}, s.invalid("ssl.keystore.key", chainKey+" is not set")
	case chain != "":
		return tls.Certificate{}, s.invalid("ssl.keystore.certificate.chain", keyKey+" is not set")
	}
	return tls.Certificate{}, invalidValue("listeners", strings.TrimSpace(s.props["listeners"]),
		fmt.Sprintf("an https listener needs a key store: set %s (a PEM file of the private key and the certificate chain), or %s and %s%s",
			locKey, keyKey, chainKey, s.prefixNote()))
}

// readFile reads a file, with an error that does not repeat its name.
func readFile(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("cannot read it: %w", pe.Err)
	}
	return data, err
}

// checkKey checks that keys holds one private key that is not encrypted.
func checkKey(keys []*pem.Block, prefix string) error {
	for _, b := range keys {
		if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
			return fmt.Errorf("the private key is encrypted, which sluice cannot read (%sssl.key.password is not supported): "+
				"decrypt it, as with openssl pkey -in KEY -out PLAIN_KEY, and keep the file readable by the worker only", prefix)
		}
	}
	switch len(keys) {
	case 0:
		return errors.New("it holds no PRIVATE KEY")
	case 1:
		return nil
	}
	return fmt.Errorf("it holds %d private keys; it must hold one", len(keys))
}

// keyPair returns the certificate of key and its chain, leaf first.
func keyPair(key *pem.Block, certs []*pem.Block) (tls.Certificate, error) {
	var chain []byte
	for _, c := range certs {
		chain = append(chain, pem.EncodeToMemory(c)...)
	}
	cert, err := tls.X509KeyPair(chain, pem.EncodeToMemory(key))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("the private key and the first certificate of the chain do not make a pair: %w", err)
	}
	return cert, nil
}

// pemBlocks returns the private keys and the certificates of the PEM text;
// other blocks (EC PARAMETERS) are skipped. It is laxer than encoding/pem
// about whitespace, as Kafka's PEM reader is: PEM text in a .properties
// value has often lost its line breaks to line continuations, leaving
// "-----BEGIN PRIVATE KEY----- MIIE... -----END PRIVATE KEY-----". A block
// with PEM headers is returned only if they mark it encrypted. Errors never
// quote the text.
func pemBlocks(text string) (keys, certs []*pem.Block, err error) {
	const begin, dashes = "-----BEGIN ", "-----"
	found := false
	for {
		i := strings.Index(text, begin)
		if i < 0 {
			break
		}
		text = text[i+len(begin):]
		j := strings.Index(text, dashes)
		if j < 0 {
			return nil, nil, errors.New("it holds a PEM BEGIN line without its end")
		}
		typ := text[:j]
		text = text[j+len(dashes):]
		end := "-----END " + typ + dashes
		k := strings.Index(text, end)
		if k < 0 {
			return nil, nil, fmt.Errorf("its PEM %s block has no END line", typ)
		}
		body := text[:k]
		text = text[k+len(end):]
		found = true
		block := &pem.Block{Type: typ}
		if strings.Contains(body, ":") {
			if !strings.Contains(body, "Proc-Type:") || !strings.Contains(body, "ENCRYPTED") {
				return nil, nil, fmt.Errorf("its PEM %s block has headers, which sluice does not read", typ)
			}
			block.Headers = map[string]string{"Proc-Type": "4,ENCRYPTED"}
		} else if block.Bytes, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), "")); err != nil {
			return nil, nil, fmt.Errorf("its PEM %s block is not valid base64", typ)
		}
		switch {
		case typ == "CERTIFICATE":
			certs = append(certs, block)
		case strings.HasSuffix(typ, "PRIVATE KEY"):
			keys = append(keys, block)
		}
	}
	if !found {
		return nil, nil, errors.New("it holds no PEM data (-----BEGIN ...): sluice reads PEM only")
	}
	return keys, certs, nil
}

// versions returns the TLS versions ssl.enabled.protocols allows.
func (s sslKeys) versions() (minVersion, maxVersion uint16, err error) {
	if _, proto := s.get("ssl.protocol"); proto != "" {
		switch strings.ToLower(proto) {
		case "tls", "tlsv1.2", "tlsv1.3":
		default:
			return 0, 0, s.invalid("ssl.protocol", "sluice serves TLSv1.2 and TLSv1.3 only: use TLS, TLSv1.2 or TLSv1.3")
		}
	}
	_, list := s.get("ssl.enabled.protocols")
	if list == "" {
		return tls.VersionTLS12, tls.VersionTLS13, nil
	}
	for _, p := range strings.Split(list, ",") {
		var v uint16
		switch strings.ToLower(strings.TrimSpace(p)) {
		case "tlsv1.2":
			v = tls.VersionTLS12
		case "tlsv1.3":
			v = tls.VersionTLS13
		case "":
			return 0, 0, s.invalid("ssl.enabled.protocols", "the list has an empty protocol")
		default:
			return 0, 0, s.invalid("ssl.enabled.protocols",
				fmt.Sprintf("%s is not supported: sluice serves TLSv1.2 and TLSv1.3 only", strings.TrimSpace(p)))
		}
		if minVersion == 0 || v < minVersion {
			minVersion = v
		}
		maxVersion = max(maxVersion, v)
	}
	return minVersion, maxVersion, nil
}

// cipherSuites returns the TLS 1.2 cipher suites of ssl.cipher.suites, or
// nil for Go's defaults.
func (s sslKeys) cipherSuites(minVersion uint16) ([]uint16, error) {
	_, list := s.get("ssl.cipher.suites")
	if list == "" {
		return nil, nil
	}
	var ids []uint16
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		i := slices.IndexFunc(tls.CipherSuites(), func(c *tls.CipherSuite) bool { return c.Name == name })
		if i < 0 {
			if slices.ContainsFunc(tls.InsecureCipherSuites(), func(c *tls.CipherSuite) bool { return c.Name == name }) {
				return nil, s.invalid("ssl.cipher.suites", name+" is insecure, and sluice does not offer it")
			}
			return nil, s.invalid("ssl.cipher.suites", name+" is not a cipher suite sluice knows (IANA names, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)")
		}
		c := tls.CipherSuites()[i]
		if slices.Contains(c.SupportedVersions, tls.VersionTLS12) {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 && minVersion < tls.VersionTLS13 {
		key, _ := s.get("ssl.enabled.protocols")
		return nil, s.invalid("ssl.cipher.suites", "it names no TLS 1.2 cipher suite, so TLS 1.2 would have none: add some, or set "+key+"=TLSv1.3")
	}
	return ids, nil
}

// clientAuth returns how the server asks for client certificates.
func (s sslKeys) clientAuth() (tls.ClientAuthType, error) {
	authKey, auth := s.get("ssl.client.auth")
	altKey, alt := s.get("ssl.client.authentication")
	switch {
	case auth != "" && alt != "" && !strings.EqualFold(auth, alt):
		return 0, invalidValue(authKey, auth, fmt.Sprintf("%s is %s; set one of the two", altKey, alt))
	case auth == "":
		authKey, auth = altKey, alt
	}
	switch strings.ToLower(auth) {
	case "", "none":
		return tls.NoClientCert, nil
	case "requested":
		return tls.VerifyClientCertIfGiven, nil
	case "required":
		return tls.RequireAndVerifyClientCert, nil
	}
	return 0, invalidValue(authKey, auth, "the allowed values are none, requested and required")
}

// trustStore returns the CAs that client certificates are checked against.
func (s sslKeys) trustStore() (*x509.CertPool, error) {
	if err := s.checkPEMType("ssl.truststore.type", "trust store"); err != nil {
		return nil, err
	}
	locKey, loc := s.get("ssl.truststore.location")
	inlineKey, inline := s.get("ssl.truststore.certificates")
	var certs []*pem.Block
	switch {
	case loc != "" && inline != "":
		return nil, s.invalid("ssl.truststore.location", "set either it or "+inlineKey+", not both")
	case loc != "":
		data, err := readFile(loc)
		if err == nil {
			_, certs, err = pemBlocks(string(data))
		}
		if err == nil && len(certs) == 0 {
			err = errors.New("it holds no CERTIFICATE")
		}
		if err != nil {
			return nil, s.invalid("ssl.truststore.location", err.Error())
		}
	case inline != "":
		_, c, err := pemBlocks(inline)
		if err == nil && len(c) == 0 {
			err = errors.New("it holds no CERTIFICATE")
		}
		if err != nil {
			return nil, s.invalid("ssl.truststore.certificates", err.Error())
		}
		certs = c
	default:
		authKey, auth := s.get("ssl.client.auth")
		if auth == "" {
			authKey, auth = s.get("ssl.client.authentication")
		}
		return nil, invalidValue(authKey, auth,
			fmt.Sprintf("client certificates are checked against a trust store: set %s (a PEM file of CA certificates) or %s%s", locKey, inlineKey, s.prefixNote()))
	}
	pool := x509.NewCertPool()
	for _, b := range certs {
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			name := "ssl.truststore.location"
			if loc == "" {
				name = "ssl.truststore.certificates"
			}
			return nil, s.invalid(name, fmt.Sprintf("a certificate cannot be parsed: %v", err))
		}
		pool.AddCert(c)
	}
	return pool, nil
}

// restBasicAuth returns the users and passwords of basic authentication,
// or nil when it is off.
func restBasicAuth(props map[string]string) (map[string]string, error) {
	get := func(key string) string { return strings.TrimSpace(props[key]) }
	typ := get(authTypeKey)
	switch strings.ToLower(typ) {
	case "":
		for _, k := range []string{authUsersFileKey, authUserKey, authPasswordKey} {
			if get(k) != "" {
				return nil, invalidValue(authTypeKey, "none", fmt.Sprintf(
					"%s is set, but %s is none by default: set %s=basic to turn basic authentication on, or %s=none to serve without it",
					k, authTypeKey, authTypeKey, authTypeKey))
			}
		}
		return nil, nil
	case "none":
		return nil, nil
	case "basic":
	default:
		return nil, invalidValue(authTypeKey, typ, "the allowed values are none and basic")
	}

	users := map[string]string{}
	if file := get(authUsersFileKey); file != "" {
		m, err := config.LoadProperties(file)
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			return nil, invalidValue(authUsersFileKey, file, "cannot read it: "+pe.Err.Error())
		}
		if err != nil {
			return nil, invalidValue(authUsersFileKey, file, err.Error())
		}
		if len(m) == 0 {
			return nil, invalidValue(authUsersFileKey, file, "the file holds no user=password line")
		}
		for u, p := range m {
			if u == "" {
				return nil, invalidValue(authUsersFileKey, file, "a line of the file has an empty user name")
			}
			users[u] = p
		}
	}
	user, password := get(authUserKey), get(authPasswordKey)
	switch {
	case user != "" && password == "":
		return nil, invalidValue(authUserKey, user, authPasswordKey+" is not set")
	case user == "" && password != "":
		return nil, invalidValue(authPasswordKey, shown(authPasswordKey, password), authUserKey+" is not set")
	case user != "":
		users[user] = password
	}
	if len(users) == 0 {
		return nil, invalidValue(authTypeKey, typ, fmt.Sprintf(
			"basic authentication needs users: set %s (a .properties file of user=password lines), or %s and %s",
			authUsersFileKey, authUserKey, authPasswordKey))
	}
	return users, nil
}
