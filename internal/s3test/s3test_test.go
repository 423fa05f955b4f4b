package s3test

import (
	"bytes"
	"context"
	"go/build"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestSharedGatewayKeepsObjectsAndMetadata writes an object with user
// metadata and a multipart object, and reads both back.
func TestSharedGatewayKeepsObjectsAndMetadata(t *testing.T) {
	g := Shared(t)
	bucket := g.NewBucket(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := g.Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b.txt"),
		Body: strings.NewReader("hello"), Metadata: map[string]string{"sluice-start": "42"}}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if got := head.Metadata["sluice-start"]; got != "42" {
		t.Errorf("metadata sluice-start = %q, want 42 (all: %v)", got, head.Metadata)
	}

	mpu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("a/big")})
	if err != nil {
		t.Fatal(err)
	}
	part1 := bytes.Repeat([]byte("x"), 5<<20)
	part2 := []byte("tail")
	var parts []types.CompletedPart
	for i, body := range [][]byte{part1, part2} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("a/big"),
			UploadId: mpu.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket),
		Key: aws.String("a/big"), UploadId: mpu.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}

	if got := g.Keys(t, bucket, "a/"); strings.Join(got, ",") != "a/b.txt,a/big" {
		t.Errorf("keys = %v, want [a/b.txt a/big]", got)
	}
	if got := g.Get(t, bucket, "a/b.txt"); string(got) != "hello" {
		t.Errorf("a/b.txt = %q, want hello", got)
	}
	if got := g.Get(t, bucket, "a/big"); !bytes.Equal(got, append(part1, part2...)) {
		t.Errorf("a/big has %d bytes, want the %d bytes of its two parts", len(got), len(part1)+len(part2))
	}
}

// TestOwnGatewayKeepsDataAcrossRestart stops a gateway, sees requests
// fail, starts it again and reads what was written before.
func TestOwnGatewayKeepsDataAcrossRestart(t *testing.T) {
	g := Start(t)
	bucket := g.NewBucket(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := g.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	if err := g.Stop(); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	_, err := g.Client().HeadObject(short, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	cancelShort()
	if err == nil {
		t.Fatal("HeadObject on a stopped gateway succeeded")
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	if got := g.Get(t, bucket, "k"); string(got) != "v" {
		t.Errorf("k = %q after restart, want v", got)
	}
}

// TestMissingBinaryNamesSetup checks that without versitygw the error
// tells the user to run scripts/setup.
func TestMissingBinaryNamesSetup(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	old := build.Default.GOPATH
	build.Default.GOPATH = t.TempDir()
	defer func() { build.Default.GOPATH = old }()
	_, err := Binary()
	if err == nil || !strings.Contains(err.Error(), "scripts/setup") {
		t.Fatalf("Binary() error = %v, want one naming scripts/setup", err)
	}
}
