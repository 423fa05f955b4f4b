package kafka

// DeleteGroupOffsets calls librdkafka directly: confluent-kafka-go v2.11
// wraps every other consumer-group admin call but not
// rd_kafka_DeleteConsumerGroupOffsets (confluent-kafka-go issue 1396).
// librdkafka itself is linked by confluent-kafka-go; the declarations
// below are copied from its rdkafka.h (a stable C API), since that header
// is not on this package's include path.

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_queue_s rd_kafka_queue_t;
typedef struct rd_kafka_op_s rd_kafka_event_t;
typedef struct rd_kafka_AdminOptions_s rd_kafka_AdminOptions_t;
typedef struct rd_kafka_DeleteConsumerGroupOffsets_s rd_kafka_DeleteConsumerGroupOffsets_t;
typedef struct rd_kafka_group_result_s rd_kafka_group_result_t;
typedef struct rd_kafka_error_s rd_kafka_error_t;
typedef rd_kafka_event_t rd_kafka_DeleteConsumerGroupOffsets_result_t;
typedef struct rd_kafka_topic_partition_s {
	char *topic;
	int32_t partition;
	int64_t offset;
	void *metadata;
	size_t metadata_size;
	void *opaque;
	int err;
	void *_private;
} rd_kafka_topic_partition_t;
typedef struct rd_kafka_topic_partition_list_s {
	int cnt;
	int size;
	rd_kafka_topic_partition_t *elems;
} rd_kafka_topic_partition_list_t;

rd_kafka_conf_t *rd_kafka_conf_new(void);
int rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr, size_t errstr_size);
void rd_kafka_conf_destroy(rd_kafka_conf_t *conf);
void rd_kafka_conf_set_log_cb(rd_kafka_conf_t *conf, void (*log_cb)(const rd_kafka_t *rk, int level, const char *fac, const char *buf));
rd_kafka_t *rd_kafka_new(int type, rd_kafka_conf_t *conf, char *errstr, size_t errstr_size);
void rd_kafka_destroy(rd_kafka_t *rk);
rd_kafka_queue_t *rd_kafka_queue_new(rd_kafka_t *rk);
void rd_kafka_queue_destroy(rd_kafka_queue_t *rkqu);
rd_kafka_event_t *rd_kafka_queue_poll(rd_kafka_queue_t *rkqu, int timeout_ms);
int rd_kafka_event_error(rd_kafka_event_t *rkev);
const char *rd_kafka_event_error_string(rd_kafka_event_t *rkev);
void rd_kafka_event_destroy(rd_kafka_event_t *rkev);
rd_kafka_topic_partition_list_t *rd_kafka_topic_partition_list_new(int size);
void rd_kafka_topic_partition_list_destroy(rd_kafka_topic_partition_list_t *rkparlist);
rd_kafka_topic_partition_t *rd_kafka_topic_partition_list_add(rd_kafka_topic_partition_list_t *rktparlist, const char *topic, int32_t partition);
rd_kafka_AdminOptions_t *rd_kafka_AdminOptions_new(rd_kafka_t *rk, int for_api);
void rd_kafka_AdminOptions_destroy(rd_kafka_AdminOptions_t *options);
int rd_kafka_AdminOptions_set_request_timeout(rd_kafka_AdminOptions_t *options, int timeout_ms, char *errstr, size_t errstr_size);
rd_kafka_DeleteConsumerGroupOffsets_t *rd_kafka_DeleteConsumerGroupOffsets_new(const char *group, const rd_kafka_topic_partition_list_t *partitions);
void rd_kafka_DeleteConsumerGroupOffsets_destroy(rd_kafka_DeleteConsumerGroupOffsets_t *del_grpoffsets);
void rd_kafka_DeleteConsumerGroupOffsets(rd_kafka_t *rk, rd_kafka_DeleteConsumerGroupOffsets_t **del_grpoffsets, size_t del_grpoffsets_cnt, const rd_kafka_AdminOptions_t *options, rd_kafka_queue_t *rkqu);
const rd_kafka_DeleteConsumerGroupOffsets_result_t *rd_kafka_event_DeleteConsumerGroupOffsets_result(rd_kafka_event_t *rkev);
const rd_kafka_group_result_t **rd_kafka_DeleteConsumerGroupOffsets_result_groups(const rd_kafka_DeleteConsumerGroupOffsets_result_t *result, size_t *cntp);
const rd_kafka_error_t *rd_kafka_group_result_error(const rd_kafka_group_result_t *groupres);
const rd_kafka_topic_partition_list_t *rd_kafka_group_result_partitions(const rd_kafka_group_result_t *groupres);
int rd_kafka_error_code(const rd_kafka_error_t *error);
const char *rd_kafka_error_string(const rd_kafka_error_t *error);

enum {
	SLUICE_RD_KAFKA_PRODUCER = 0,                          // RD_KAFKA_PRODUCER
	SLUICE_RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS = 8, // RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS
	SLUICE_RD_KAFKA_RESP_ERR__TIMED_OUT = -185,            // RD_KAFKA_RESP_ERR__TIMED_OUT
	SLUICE_RD_KAFKA_RESP_ERR__INVALID_ARG = -186,          // RD_KAFKA_RESP_ERR__INVALID_ARG
};

// sluice_delete_group_offsets deletes the committed offsets of n
// partitions of group, on a librdkafka client made from the nprops
// properties and destroyed before it returns (its logs are dropped). It
// returns 0 when the request was answered, with each partition's error
// code in part_errs (0 for deleted), or else the error code of the
// client, request or group, described in errstr.
static int sluice_delete_group_offsets(char **keys, char **vals, int nprops, const char *group,
		char **topics, int32_t *parts, int *part_errs, int n, int timeout_ms, char *errstr, size_t errstr_size) {
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	for (int i = 0; i < nprops; i++) {
		if (rd_kafka_conf_set(conf, keys[i], vals[i], errstr, errstr_size) != 0) {
			rd_kafka_conf_destroy(conf);
			return SLUICE_RD_KAFKA_RESP_ERR__INVALID_ARG;
		}
	}
	rd_kafka_conf_set_log_cb(conf, NULL);
	rd_kafka_t *rk = rd_kafka_new(SLUICE_RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		return SLUICE_RD_KAFKA_RESP_ERR__INVALID_ARG;
	}
	int ret = 0;
	rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, SLUICE_RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
	if (!opts) {
		snprintf(errstr, errstr_size, "this librdkafka has no DeleteConsumerGroupOffsets");
		rd_kafka_destroy(rk);
		return SLUICE_RD_KAFKA_RESP_ERR__INVALID_ARG;
	}
	rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, errstr_size);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(n);
	for (int i = 0; i < n; i++) {
		rd_kafka_topic_partition_list_add(list, topics[i], parts[i]);
	}
	rd_kafka_DeleteConsumerGroupOffsets_t *del = rd_kafka_DeleteConsumerGroupOffsets_new(group, list);
	rd_kafka_DeleteConsumerGroupOffsets(rk, &del, 1, opts, q);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms);
	if (!ev) {
		snprintf(errstr, errstr_size, "no answer within %d ms", timeout_ms);
		ret = SLUICE_RD_KAFKA_RESP_ERR__TIMED_OUT;
	} else if (rd_kafka_event_error(ev) != 0) {
		snprintf(errstr, errstr_size, "%s", rd_kafka_event_error_string(ev));
		ret = rd_kafka_event_error(ev);
	} else {
		size_t cnt = 0;
		const rd_kafka_group_result_t **groups =
			rd_kafka_DeleteConsumerGroupOffsets_result_groups(rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &cnt);
		const rd_kafka_error_t *gerr = cnt == 1 ? rd_kafka_group_result_error(groups[0]) : NULL;
		if (cnt != 1) {
			snprintf(errstr, errstr_size, "%d group results for one group", (int)cnt);
			ret = SLUICE_RD_KAFKA_RESP_ERR__INVALID_ARG;
		} else if (gerr) {
			snprintf(errstr, errstr_size, "%s", rd_kafka_error_string(gerr));
			ret = rd_kafka_error_code(gerr);
		} else {
			const rd_kafka_topic_partition_list_t *res = rd_kafka_group_result_partitions(groups[0]);
			for (int j = 0; res && j < res->cnt; j++) {
				for (int i = 0; i < n; i++) {
					if (parts[i] == res->elems[j].partition && strcmp(topics[i], res->elems[j].topic) == 0) {
						part_errs[i] = res->elems[j].err;
					}
				}
			}
		}
	}
	if (ev) {
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_DeleteConsumerGroupOffsets_destroy(del);
	rd_kafka_topic_partition_list_destroy(list);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return ret;
}
*/
import "C"

import (
	"context"
	"unsafe"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// deleteGroupOffsets runs librdkafka's DeleteConsumerGroupOffsets on a
// client of its own and returns each partition's outcome, in the order of
// tps, or the error of the client, the request or the group.
func deleteGroupOffsets(ctx context.Context, props map[string]string, group string, tps []TopicPartition) ([]ckafka.Error, error) {
	type result struct {
		parts []ckafka.Error
		err   error
	}
	timeout := timeoutMs(ctx)
	done := make(chan result, 1)
	// The C call blocks for up to timeout; it owns every C allocation and
	// frees them itself, so that a cancelled ctx can return at once.
	go func() {
		var mem []unsafe.Pointer
		cstr := func(s string) *C.char {
			p := C.CString(s)
			mem = append(mem, unsafe.Pointer(p))
			return p
		}
		carray := func(n int, size uintptr) unsafe.Pointer {
			p := C.calloc(C.size_t(max(n, 1)), C.size_t(size))
			mem = append(mem, p)
			return p
		}
		defer func() {
			for _, p := range mem {
				C.free(p)
			}
		}()
		keys := unsafe.Slice((**C.char)(carray(len(props), unsafe.Sizeof((*C.char)(nil)))), len(props))
		vals := unsafe.Slice((**C.char)(carray(len(props), unsafe.Sizeof((*C.char)(nil)))), len(props))
		i := 0
		for k, v := range props {
			keys[i], vals[i] = cstr(k), cstr(v)
			i++
		}
		topics := unsafe.Slice((**C.char)(carray(len(tps), unsafe.Sizeof((*C.char)(nil)))), len(tps))
		parts := unsafe.Slice((*C.int32_t)(carray(len(tps), unsafe.Sizeof(C.int32_t(0)))), len(tps))
		errs := unsafe.Slice((*C.int)(carray(len(tps), unsafe.Sizeof(C.int(0)))), len(tps))
		for i, tp := range tps {
			topics[i], parts[i] = cstr(tp.Topic), C.int32_t(tp.Partition)
			errs[i] = C.int(ckafka.ErrUnknown) // a partition the answer leaves out failed
		}
		errstr := (*C.char)(carray(512, 1))
		code := C.sluice_delete_group_offsets(&keys[0], &vals[0], C.int(len(props)), cstr(group),
			&topics[0], &parts[0], &errs[0], C.int(len(tps)), C.int(timeout), errstr, 512)
		if code != 0 {
			done <- result{err: ckafka.NewError(ckafka.ErrorCode(code), C.GoString(errstr), false)}
			return
		}
		out := make([]ckafka.Error, len(tps))
		for i, e := range errs {
			c := ckafka.ErrorCode(e)
			out[i] = ckafka.NewError(c, c.String(), false)
		}
		done <- result{parts: out}
	}()
	select {
	case r := <-done:
		return r.parts, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
