package binlog

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// The authentication plugins the client speaks.
const (
	pluginNative       = "mysql_native_password"
	pluginCachingSHA2  = "caching_sha2_password"
	cachingSHA2Fast    = 3 // AuthMoreData: the fast path succeeded, OK follows
	cachingSHA2Full    = 4 // AuthMoreData: send the password itself
	cachingSHA2KeyReq  = 2 // client: send me your RSA public key
	authMoreDataPrefix = 0x01
)

// scrambleNative is mysql_native_password's answer to a challenge:
// SHA1(password) XOR SHA1(challenge + SHA1(SHA1(password))). An empty
// password answers with nothing.
func scrambleNative(challenge []byte, password string) []byte {
	if password == "" {
		return nil
	}
	h1 := sha1.Sum([]byte(password))
	h2 := sha1.Sum(h1[:])
	h := sha1.New()
	h.Write(challenge)
	h.Write(h2[:])
	out := h.Sum(nil)
	for i := range out {
		out[i] ^= h1[i]
	}
	return out
}

// scrambleCachingSHA2 is caching_sha2_password's answer to a challenge:
// SHA256(password) XOR SHA256(SHA256(SHA256(password)) + challenge).
func scrambleCachingSHA2(challenge []byte, password string) []byte {
	if password == "" {
		return nil
	}
	h1 := sha256.Sum256([]byte(password))
	h2 := sha256.Sum256(h1[:])
	h := sha256.New()
	h.Write(h2[:])
	h.Write(challenge)
	out := h.Sum(nil)
	for i := range out {
		out[i] ^= h1[i]
	}
	return out
}

// scramble answers the challenge of an authentication plugin.
func scramble(plugin string, challenge []byte, password string) ([]byte, error) {
	switch plugin {
	case pluginNative:
		return scrambleNative(challenge, password), nil
	case pluginCachingSHA2:
		return scrambleCachingSHA2(challenge, password), nil
	default:
		return nil, fmt.Errorf("the server asks for authentication plugin %q; the client speaks %s and %s",
			plugin, pluginNative, pluginCachingSHA2)
	}
}

// encryptPassword encrypts the NUL-terminated password, XORed with the
// challenge, with the server's RSA key (RSA-OAEP with SHA-1, as MySQL
// 8.0.5 and later expect), for caching_sha2_password's full
// authentication on a connection without TLS.
func encryptPassword(password string, challenge []byte, key *rsa.PublicKey) ([]byte, error) {
	if len(challenge) == 0 {
		return nil, errors.New("empty authentication challenge")
	}
	plain := append([]byte(password), 0)
	for i := range plain {
		plain[i] ^= challenge[i%len(challenge)]
	}
	return rsa.EncryptOAEP(sha1.New(), rand.Reader, key, plain, nil)
}

// parsePublicKey reads an RSA public key in PEM, as a PKIX "PUBLIC KEY"
// (what MySQL sends) or a PKCS #1 "RSA PUBLIC KEY".
func parsePublicKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("the server's public key is not PEM")
	}
	if block.Type == "RSA PUBLIC KEY" {
		return x509.ParsePKCS1PublicKey(block.Bytes)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the server's public key is a %T, not RSA", key)
	}
	return rsaKey, nil
}
