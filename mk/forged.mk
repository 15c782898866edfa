# The forged corpus (tests/e2e/forge.c): records a dishonest node signs with
# its real key, which every verifier command must reject under the same rule
# (tests/e2e/forged.t).
FORGE := $(B)/tests/forge
$(FORGE): $(B)/obj/tests/e2e/forge.o $(B)/libogx.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
CHECK_TARGETS += $(FORGE)
