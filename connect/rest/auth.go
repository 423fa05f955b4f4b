package rest

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// authenticate lets a request through if authentication is off, if it is
// GET /health, or if its basic credentials pass; it answers the others
// with 401.
func (s *Server) authenticate(next http.Handler) http.Handler {
	if s.opts.BasicAuth == nil && s.opts.Authenticate == nil {
		return next
	}
	users := make([]credential, 0, len(s.opts.BasicAuth))
	for u, p := range s.opts.BasicAuth {
		users = append(users, credential{user: sha256.Sum256([]byte(u)), password: sha256.Sum256([]byte(p))})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == "/health" {
			next.ServeHTTP(w, r)
			return
		}
		user, password, ok := r.BasicAuth()
		if ok && (matchCredential(users, user, password) || (s.opts.Authenticate != nil && s.opts.Authenticate(user, password))) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="sluice"`)
		writeError(w, http.StatusUnauthorized, "User cannot access the resource.")
	})
}

// credential is a user and password, hashed so that comparing them takes
// the same time whatever their lengths.
type credential struct {
	user, password [sha256.Size]byte
}

// matchCredential reports whether user and password are those of one of
// users. It compares against every user, without stopping at a match, so
// that its time tells nothing of which users exist.
func matchCredential(users []credential, user, password string) bool {
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(password))
	match := 0
	for _, c := range users {
		match |= subtle.ConstantTimeCompare(u[:], c.user[:]) & subtle.ConstantTimeCompare(p[:], c.password[:])
	}
	return match == 1
}
