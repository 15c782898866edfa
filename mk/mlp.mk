# The MLP classifier (runtime/model/mlp*.c): the training and inference loops
# are written to vectorize (contiguous rows, independent lanes); -O2's
# "very cheap" vectorizer leaves most of them scalar, so these files get -O3.
# No fused multiply-add contraction (the Makefile's DETERMINISM, for every
# object): the float results (mnist-fc's 97.96 %, the trained weights) must
# not depend on the CPU or on what -march says.
$(B)/obj/runtime/model/mlp.o $(B)/obj/runtime/model/mlp_train.o: OPT := -O3
