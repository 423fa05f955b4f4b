package s3

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// parseFileName reads an object's file name (what follows its last
// slash): <topic>+<partition>+<offset><extension>, the offset in decimal
// digits (zero-padded or not) and the extension anything that does not
// start with a digit. Kafka topic names cannot hold a '+'.
func parseFileName(key string) (topic string, partition int32, offset int64, ok bool) {
	name := key[strings.LastIndexByte(key, '/')+1:]
	i := strings.IndexByte(name, '+')
	if i <= 0 {
		return "", 0, 0, false
	}
	topic, rest := name[:i], name[i+1:]
	j := strings.IndexByte(rest, '+')
	if j <= 0 {
		return "", 0, 0, false
	}
	p, err := strconv.ParseInt(rest[:j], 10, 32)
	if err != nil || p < 0 || rest[0] == '+' || rest[0] == '-' {
		return "", 0, 0, false
	}
	digits := rest[j+1:]
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	if n == 0 {
		return "", 0, 0, false
	}
	var off int64
	for _, c := range digits[:n] {
		d := int64(c - '0')
		if off > (math.MaxInt64-d)/10 {
			return "", 0, 0, false
		}
		off = off*10 + d
	}
	return topic, int32(p), off, true
}

// recovered is what recovery found of one Kafka partition.
type recovered struct {
	// pos is where writing resumes: the start of the last rotation found
	// in the bucket, when that is not before the first record; else that
	// record's offset.
	pos int64
	// deleted are the keys of that last rotation's objects, removed
	// because their records will be written again.
	deleted []string
}

// recoverTopic finds, for each partition of the topic in firsts (the
// offset of the first record the task got for it since it was
// assigned), where writing resumes.
//
// The uploader makes a partition's rotations visible in order, so the
// bucket holds every object of each rotation but maybe the last. Every
// object carries its rotation's start offset. Recovery lists the
// partition's objects, reads that metadata from the one with the highest
// start offset, and, if its rotation starts at or after the first record
// (its records were not committed), deletes the rotation's objects (a
// crash may have left some of them out) and resumes at its start: the
// records before it are in the bucket already, and those from it on are
// written again, into objects of the same names when rotation is
// deterministic. Objects without the metadata (not written by Sluice)
// are left alone, and writing resumes at the first record.
func (t *sinkTask) recoverTopic(ctx context.Context, topic, prefix string, firsts map[int32]int64) (map[int32]recovered, error) {
	type candidate struct {
		maxKey string
		maxOff int64
		keys   []string // objects at or after the first record
		offs   []int64
	}
	cands := map[int32]*candidate{}
	p := s3.NewListObjectsV2Paginator(t.client, &s3.ListObjectsV2Input{Bucket: aws.String(t.s.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3: listing s3://%s/%s: %w", t.s.bucket, prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			tpc, part, off, ok := parseFileName(key)
			if !ok || tpc != topic {
				continue
			}
			first, ok := firsts[part]
			if !ok {
				continue
			}
			c := cands[part]
			if c == nil {
				c = &candidate{maxOff: -1}
				cands[part] = c
			}
			if off > c.maxOff {
				c.maxOff, c.maxKey = off, key
			}
			if off >= first {
				c.keys = append(c.keys, key)
				c.offs = append(c.offs, off)
			}
		}
	}
	out := make(map[int32]recovered, len(firsts))
	for part, first := range firsts {
		out[part] = recovered{pos: first}
		c := cands[part]
		if c == nil || c.maxOff < first {
			continue // nothing written after the committed offset
		}
		head, err := t.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(t.s.bucket), Key: aws.String(c.maxKey)})
		if err != nil {
			return nil, fmt.Errorf("s3: reading s3://%s/%s: %w", t.s.bucket, c.maxKey, err)
		}
		start, err := strconv.ParseInt(head.Metadata[metaRotationStart], 10, 64)
		if err != nil {
			t.log.Warn("objects past the committed offset were not written by Sluice (no rotation metadata); "+
				"writing resumes at the committed offset", "key", c.maxKey, "committed", first)
			continue
		}
		if start < first {
			t.log.Warn("the last object's rotation started before the committed offset (were offsets moved?); "+
				"writing resumes at the committed offset", "key", c.maxKey, "rotation_start", start, "committed", first)
			continue
		}
		var doomed []string
		for i, k := range c.keys {
			if c.offs[i] >= start {
				doomed = append(doomed, k)
			}
		}
		if err := t.deleteObjects(ctx, doomed); err != nil {
			return nil, err
		}
		out[part] = recovered{pos: start, deleted: doomed}
	}
	return out, nil
}

// deleteObjects deletes keys, a thousand per request.
func (t *sinkTask) deleteObjects(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		ids := make([]types.ObjectIdentifier, n)
		for i, k := range keys[:n] {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := t.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(t.s.bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("s3: deleting the objects of an unfinished rotation from s3://%s: %w", t.s.bucket, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("s3: deleting s3://%s/%s: %s %s", t.s.bucket, aws.ToString(e.Key), aws.ToString(e.Code),
				aws.ToString(e.Message))
		}
		keys = keys[n:]
	}
	return nil
}
