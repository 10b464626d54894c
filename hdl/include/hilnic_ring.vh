// SPDX-License-Identifier: MIT
// hilnic: descriptor-ring arithmetic shared by rx_dma and tx_dma. Included inside a module
// that defines RIW (ring index width), DPL (descriptors per DMA line) and DPLW (its index width),
// so both engines count owned descriptors, step the head and size a line fetch the same way.

// Descriptors the NIC owns on a ring: (tail - head) mod size.
function automatic [RIW:0] ring_owned(input [RIW-1:0] head, input [RIW-1:0] tail,
                                      input [RIW:0] size);
    begin
        ring_owned = tail >= head ? {1'b0, tail} - {1'b0, head}
                                  : {1'b0, tail} + size - {1'b0, head};
    end
endfunction

// The index after `head` on a ring of `size` descriptors.
function automatic [RIW-1:0] ring_next(input [RIW-1:0] head, input [RIW:0] size);
    reg [RIW:0] plus;
    begin
        plus = {1'b0, head} + 1'b1;
        ring_next = plus >= size ? {RIW{1'b0}} : plus[RIW-1:0];
    end
endfunction

// Descriptors one line fetch at `head` yields: to the end of its DMA line, at most `owned`.
function automatic [DPLW:0] ring_fetch_count(input [DPLW:0] lane, input [RIW:0] owned);
    reg [DPLW:0] room;
    begin
        room = DPL[DPLW:0] - lane;
        ring_fetch_count = {{(31-RIW){1'b0}}, owned} < {{(31-DPLW){1'b0}}, room}
                           ? owned[DPLW:0] : room;
    end
endfunction
