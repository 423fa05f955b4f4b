package csv

import (
	"cmp"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf16"
)

// candidate is a file of input.path that a task may take.
type candidate struct {
	name  string
	size  int64
	mtime time.Time
}

// ownsFile reports whether task index of count reads the file: spooldir's
// ByName partitioner, the Adler-32 checksum of the name's UTF-16 code
// units (as Guava's hashUnencodedChars feeds them, little-endian) modulo
// the task count. Every task computes the same function of the name, so
// no file goes to two tasks.
func ownsFile(name string, index, count int) bool {
	if count <= 1 {
		return true
	}
	units := utf16.Encode([]rune(name))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	h := int64(int32(adler32.Checksum(b)))
	if h < 0 {
		h = -h
	}
	return int(h%int64(count)) == index
}

// scan lists the files of input.path the task may take now, in the order
// of files.sort.attributes: regular files whose whole name matches
// input.file.pattern, that hash to this task, that have no processing
// flag, that are at least file.minimum.age.ms old, and that skip does not
// refuse.
func scan(s *settings, now time.Time, skip func(name string, size int64, mtime time.Time) bool) ([]candidate, error) {
	entries, err := os.ReadDir(s.inputPath)
	if err != nil {
		return nil, fmt.Errorf("csv: cannot list %s %s: %w", keyInputPath, s.inputPath, err)
	}
	flags := map[string]bool{}
	for _, e := range entries {
		if base, ok := strings.CutSuffix(e.Name(), s.processingExt); ok {
			flags[base] = true
		}
	}
	var out []candidate
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, s.processingExt) || flags[name] || !s.pattern.MatchString(name) ||
			!ownsFile(name, s.taskIndex, s.taskCount) {
			continue
		}
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if now.Sub(fi.ModTime()) < s.minAge {
			continue // maybe still being written
		}
		if skip != nil && skip(name, fi.Size(), fi.ModTime()) {
			continue
		}
		out = append(out, candidate{name: name, size: fi.Size(), mtime: fi.ModTime()})
	}
	slices.SortStableFunc(out, func(a, b candidate) int {
		for _, attr := range s.sortBy {
			var c int
			switch attr {
			case "NameAsc":
				c = strings.Compare(a.name, b.name)
			case "NameDesc":
				c = strings.Compare(b.name, a.name)
			case "LengthAsc":
				c = cmp.Compare(a.size, b.size)
			case "LengthDesc":
				c = cmp.Compare(b.size, a.size)
			case "LastModifiedAsc":
				c = a.mtime.Compare(b.mtime)
			case "LastModifiedDesc":
				c = b.mtime.Compare(a.mtime)
			}
			if c != 0 {
				return c
			}
		}
		return strings.Compare(a.name, b.name)
	})
	return out, nil
}

// flagOwner is what a task writes in the processing flags it creates:
// the connector's name, by which a later run knows its own flags.
func flagOwner(s *settings) string {
	return "sluice csv source, connector " + strconv.Quote(s.connector) + "\n"
}

// createFlag creates the processing flag of a file, holding owner, and
// reports false when it exists already (another task holds the file).
func createFlag(path, owner string) (bool, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = f.WriteString(owner)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return false, err
	}
	return true, nil
}

// removeStaleFlags removes the processing flags an earlier run of this
// task left behind (it crashed, or was killed): flags of this connector
// (by their content) for files that match the pattern and hash to this
// task, which no other task of the connector takes. Flags of others are
// left alone.
func removeStaleFlags(s *settings) error {
	entries, err := os.ReadDir(s.inputPath)
	if err != nil {
		return fmt.Errorf("csv: cannot list %s %s: %w", keyInputPath, s.inputPath, err)
	}
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), s.processingExt)
		if !ok || !s.pattern.MatchString(base) || !ownsFile(base, s.taskIndex, s.taskCount) {
			continue
		}
		path := filepath.Join(s.inputPath, e.Name())
		if b, err := os.ReadFile(path); err != nil || string(b) != flagOwner(s) {
			continue
		}
		if err := os.Remove(filepath.Join(s.inputPath, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("csv: cannot remove the stale processing flag %s: %w", e.Name(), err)
		}
	}
	return nil
}

// moveToDir moves a file into dir under its own name, or, when dir holds
// a file of that name already, under the name with .1, .2, ... added:
// nothing is overwritten. Across file systems it copies, syncs and
// removes. It returns the new path.
func moveToDir(path, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Base(path)
	for i := 0; i < 1000; i++ {
		dst := filepath.Join(dir, base)
		if i > 0 {
			dst += "." + strconv.Itoa(i)
		}
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		err := os.Rename(path, dst)
		if errors.Is(err, syscall.EXDEV) {
			err = copyAndRemove(path, dst)
		}
		if err != nil {
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("%s holds %s and a thousand renamed copies of it", dir, base)
}

// copyAndRemove copies src to dst, syncs dst, then removes src.
func copyAndRemove(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(dst)
		return err
	}
	return os.Remove(src)
}

// finishedDir is where cleanup.policy puts a finished file: finished.path,
// or with MOVEBYDATE its subdirectory named after the file's modification
// date (yyyy-MM-dd, in the worker's local time zone, as spooldir does).
func finishedDir(s *settings, mtime time.Time) string {
	if s.cleanup == cleanupMoveByDate {
		return filepath.Join(s.finishedPath, mtime.Local().Format("2006-01-02"))
	}
	return s.finishedPath
}
