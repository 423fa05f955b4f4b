package s3

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// newClient builds the S3 client of the settings: the region, the
// endpoint of store.url (path-style by s3.path.style.access.enabled),
// aws.access.key.id and aws.secret.access.key or else the AWS default
// credential chain, and a retryer that tries a request s3.part.retries
// more times, waiting s3.retry.backoff.ms and then twice as long each
// time. Against store.url, checksums are sent only where S3 requires
// them, as S3-compatible stores do not all accept the newer ones. It
// reports whether requests carry CRC32 checksums.
func newClient(ctx context.Context, s *settings) (*s3.Client, bool, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(s.region),
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = s.retries + 1
				o.Backoff = doublingBackoff{base: s.backoff}
			})
		}),
	}
	if s.accessKey != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(s.accessKey, s.secretKey.Value(), "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, false, fmt.Errorf("s3: loading the AWS configuration: %w", err)
	}
	checksums := s.storeURL == ""
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = s.pathStyle
		if s.storeURL != "" {
			o.BaseEndpoint = aws.String(s.storeURL)
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return client, checksums, nil
}

// doublingBackoff waits base before the first retry, then twice as long
// each time, up to maxBackoff.
type doublingBackoff struct{ base time.Duration }

func (b doublingBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	d := b.base
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff), nil
}
