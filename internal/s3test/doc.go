// Package s3test starts a real S3 gateway for tests: versitygw (the
// Versity S3 Gateway) over its posix backend, on a free port of
// 127.0.0.1 with its data in a temporary directory, stopped and removed
// when the test binary ends. Tests talk to it with the AWS SDK for Go v2,
// the client Sluice's S3 sink uses.
//
// A test binary that uses s3test runs its tests through Main:
//
//	func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
//
// Shared starts one gateway for the whole binary, the first time a test
// asks for it; tests share it and keep apart by taking a fresh bucket each
// (Gateway.NewBucket). Start starts a gateway of the test's own, for a
// test that stops or restarts it (Gateway.Stop, Gateway.Start); it is
// stopped when the test ends.
//
// The gateway's binary is found on PATH or in $(go env GOPATH)/bin, where
// scripts/setup installs it (go install
// github.com/versity/versitygw/cmd/versitygw@v1.8.0). A missing binary
// fails the test; s3test never skips.
package s3test
