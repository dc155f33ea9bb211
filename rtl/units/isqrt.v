// Iterative integer square root of the normalizer: floor(sqrt(n)) of a 64-bit n, one root bit per
// `cycles_per_bit` cycles (the engine's normalizer.isqrt_cycles_per_bit), so a root takes 32 * cycles_per_bit
// cycles: `done` is high (for one cycle, with `root`) exactly 32 * cycles_per_bit cycles after the cycle
// `start` was accepted in. Digit-by-digit (restoring) algorithm: the remainder takes the next two bits of n, the trial
// subtrahend is 4 * root + 1. Equal to models::ibert::isqrt64() for every input (both are floor-exact).
`default_nettype none
module isqrt (
    input  wire        clk,
    input  wire        rst,
    input  wire        start,
    input  wire [63:0] n,
    input  wire [7:0]  cycles_per_bit,   // >= 1
    output wire        busy,
    output reg         done,
    output reg  [31:0] root
);
  reg [63:0] num;        // n, shifted left two bits per step
  /* verilator lint_off UNUSEDSIGNAL */
  reg [34:0] rem;        // partial remainder (< 2 * root + 1 < 2^33, 4 * rem + 3 before the trial)
  /* verilator lint_on UNUSEDSIGNAL */
  reg [31:0] acc;        // root bits so far
  reg [5:0]  bits_left;  // root bits still to produce
  reg [7:0]  wait_cnt;   // cycles left in the current bit
  reg        running;
  assign busy = running;

  /* verilator lint_off UNUSEDSIGNAL */
  wire [34:0] rem_next = {rem[32:0], num[63:62]};
  /* verilator lint_on UNUSEDSIGNAL */
  wire [34:0] trial = {1'b0, acc, 2'b01};
  wire        take = rem_next >= trial;

  // The last root bit is produced in the cycle `done` is high: done and root are combinational on it.
  wire last_bit = running && wait_cnt == 8'd0 && bits_left == 6'd1;
  always @* begin
    done = last_bit;
    root = {acc[30:0], take};
  end

  always @(posedge clk) begin
    if (rst) begin
      running <= 1'b0;
      num <= '0;
      rem <= '0;
      acc <= '0;
      bits_left <= '0;
      wait_cnt <= '0;
    end else if (!running) begin
      if (start) begin
        running <= 1'b1;
        num <= n;
        rem <= '0;
        acc <= '0;
        bits_left <= 6'd32;
        wait_cnt <= cycles_per_bit - 8'd1;
      end
    end else if (wait_cnt != 8'd0) begin
      wait_cnt <= wait_cnt - 8'd1;
    end else begin
      // produce one root bit
      rem <= take ? rem_next - trial : rem_next;
      acc <= {acc[30:0], take};
      num <= {num[61:0], 2'b00};
      wait_cnt <= cycles_per_bit - 8'd1;
      bits_left <= bits_left - 6'd1;
      if (bits_left == 6'd1) running <= 1'b0;
    end
  end
endmodule
`default_nettype wire
