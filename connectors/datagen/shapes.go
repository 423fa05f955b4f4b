package datagen

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/connect"
)

// shape makes the keys and values of records.
type shape interface {
	// fill sets the key and value of recs[i] to those of record number
	// first+i*step.
	fill(recs []connect.Record, first, step int64)
}

// newShape returns the named shape (keyShape's validator allows no other).
func newShape(name string, seed uint64, size int) shape {
	seedHash := splitmix64(seed)
	switch name {
	case shapeBytes:
		return &bytesShape{seedHash: seedHash, size: size, pool: pool(seedHash, size, false)}
	case shapeString:
		return &stringShape{seedHash: seedHash, size: size, pool: pool(seedHash, size, true)}
	}
	return &ordersShape{seedHash: seedHash}
}

// splitmix64 is the output function of the SplitMix64 generator: a cheap,
// well-mixed hash of x.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// recordHash returns the random bits of record n: the n-th output of a
// SplitMix64 generator seeded with seedHash. It depends on nothing else,
// which is what makes a resumed stream exact.
func recordHash(seedHash uint64, n int64) uint64 {
	return splitmix64(seedHash + uint64(n)*0x9e3779b97f4a7c15)
}

// poolSize is the length of the pool that values of the bytes and string
// shapes are cut from, at an offset given by the record's hash.
const poolSize = 64 << 10

// pool returns poolSize+size random bytes of the seed: printable lower-case
// letters and spaces when text is set.
func pool(seedHash uint64, size int, text bool) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyz      " // 32 characters
	b := make([]byte, poolSize+size+8)
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], splitmix64(seedHash^0x5eed+uint64(i)))
	}
	if text {
		for i, c := range b {
			b[i] = alphabet[c&31]
		}
	}
	return b[:poolSize+size]
}

// bytesShape makes BYTES values of size bytes without a key: the first 8
// bytes hold the record number big-endian (when size allows), the rest
// come from the seed's pool.
//
// The values of a batch are cut from one allocation, each with its
// capacity capped at its length: every record owns its bytes (a change
// to one value touches no other, an append copies), and the batch costs
// one allocation instead of one per record.
type bytesShape struct {
	seedHash uint64
	size     int
	pool     []byte
}

func (s *bytesShape) fill(recs []connect.Record, first, step int64) {
	slab := make([]byte, len(recs)*s.size)
	var num [8]byte
	for i := range recs {
		n := first + int64(i)*step
		v := slab[i*s.size : (i+1)*s.size : (i+1)*s.size]
		off := recordHash(s.seedHash, n) % poolSize
		copy(v, s.pool[off:off+uint64(s.size)])
		binary.BigEndian.PutUint64(num[:], uint64(n))
		copy(v, num[:])
		recs[i].ValueSchema = connect.BytesSchema
		recs[i].Value = v
	}
}

// stringShape makes STRING values of size ASCII characters without a key:
// the record number in decimal and a space, then letters and spaces from
// the seed's pool. The values of a batch are cut from one string, which
// is immutable, so sharing it is safe.
type stringShape struct {
	seedHash uint64
	size     int
	pool     []byte
}

func (s *stringShape) fill(recs []connect.Record, first, step int64) {
	var b strings.Builder
	b.Grow(len(recs) * s.size)
	var num [24]byte
	for i := range recs {
		n := first + int64(i)*step
		head := append(strconv.AppendInt(num[:0], n, 10), ' ')
		if len(head) >= s.size {
			b.Write(head[:s.size])
			continue
		}
		off := recordHash(s.seedHash, n) % poolSize
		b.Write(head)
		b.Write(s.pool[off : off+uint64(s.size-len(head))])
	}
	all := b.String()
	for i := range recs {
		recs[i].ValueSchema = connect.StringSchema
		recs[i].Value = all[i*s.size : (i+1)*s.size]
	}
}

// orderSchema is the value schema of the orders shape.
var orderSchema = connect.NewStructSchema().Name("sluice.datagen.Order").
	Field("id", connect.Int64Schema).
	Field("customer_id", connect.Int64Schema).
	Field("sku", connect.StringSchema).
	Field("description", connect.StringSchema).
	Field("status", connect.StringSchema).
	Field("amount", connect.Float64Schema).
	Field("paid", connect.BooleanSchema).
	Field("note", connect.OptionalStringSchema).
	Field("created_at", connect.TimestampSchema).
	Field("quantity", connect.Int32Schema).
	MustBuild()

// The field indexes of orderSchema.
const (
	fieldID = iota
	fieldCustomerID
	fieldSKU
	fieldDescription
	fieldStatus
	fieldAmount
	fieldPaid
	fieldNote
	fieldCreatedAt
	fieldQuantity
)

// product is one item of the catalogue orders pick from. Its strings are
// boxed once, so that putting them in a Struct allocates nothing.
type product struct {
	sku, description any
	cents            int64
}

var (
	products = catalogue()
	statuses = []any{"NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "RETURNED"}
	paid     = []bool{false, true, true, true, false, true} // by status
	notes    = []any{"gift wrap", "leave at the door", "call on arrival", "fragile", "express delivery"}
	// ordersEpoch is when order 0 was created; order n was created n
	// seconds later, plus up to 999ms.
	ordersEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
)

// catalogue returns 200 products, from every adjective with every noun.
func catalogue() []product {
	adjectives := []string{"Red", "Blue", "Green", "Small", "Large", "Wooden", "Steel", "Vintage", "Folding", "Smart"}
	nouns := []string{"Chair", "Lamp", "Desk", "Kettle", "Backpack", "Clock", "Mug", "Shelf", "Speaker", "Bicycle",
		"Umbrella", "Notebook", "Pillow", "Jacket", "Teapot", "Mirror", "Blender", "Drone", "Tent", "Guitar"}
	var out []product
	for _, n := range nouns {
		for _, a := range adjectives {
			i := len(out)
			out = append(out, product{
				sku:         "SKU-" + strconv.Itoa(10000+i),
				description: a + " " + n,
				cents:       int64(199 + (i*7919)%20000),
			})
		}
	}
	return out
}

// ordersShape makes orders: the key is the order id (INT64), the value a
// Struct of orderSchema. Order n has id n+1; its other fields derive from
// the record's hash, except created_at, which grows with n. About one
// order in four has a note.
type ordersShape struct {
	seedHash uint64
}

func (s *ordersShape) fill(recs []connect.Record, first, step int64) {
	for i := range recs {
		n := first + int64(i)*step
		h := recordHash(s.seedHash, n)
		h2 := splitmix64(h)
		p := &products[h%uint64(len(products))]
		status := (h >> 32) % uint64(len(statuses))
		quantity := int32(1 + h2%10)
		id := any(n + 1) // boxed once, for the key and the field

		// Every value fits its field's schema, which a test checks:
		// PutAt's error can be ignored.
		v := connect.NewStruct(orderSchema)
		_ = v.PutAt(fieldID, id)
		_ = v.PutAt(fieldCustomerID, int64(1+(h2>>8)%100_000))
		_ = v.PutAt(fieldSKU, p.sku)
		_ = v.PutAt(fieldDescription, p.description)
		_ = v.PutAt(fieldStatus, statuses[status])
		_ = v.PutAt(fieldAmount, float64(int64(quantity)*p.cents)/100)
		_ = v.PutAt(fieldPaid, paid[status])
		if (h2>>40)%4 == 0 {
			_ = v.PutAt(fieldNote, notes[(h2>>48)%uint64(len(notes))])
		}
		_ = v.PutAt(fieldCreatedAt, time.UnixMilli(ordersEpoch+n*1000+int64((h>>48)%1000)).UTC())
		_ = v.PutAt(fieldQuantity, quantity)

		recs[i].KeySchema = connect.Int64Schema
		recs[i].Key = id
		recs[i].ValueSchema = orderSchema
		recs[i].Value = v
	}
}
