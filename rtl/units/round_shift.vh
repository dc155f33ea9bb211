// Shared integer helpers of the transformer units, identical to models/ibert.cpp:
// v / 2^sh rounded to nearest, ties to even (sh in [0, 62]; 0 returns v).
function automatic signed [63:0] round_shift(input signed [63:0] v, input [6:0] sh);
  reg signed [63:0] q;
  reg [63:0] mask, rem, half;
  begin
    if (sh == 7'd0) begin
      round_shift = v;
    end else begin
      q = v >>> sh;
      mask = (64'd1 << sh) - 64'd1;
      rem = v & mask;
      half = 64'd1 << (sh - 7'd1);
      round_shift = (rem > half || (rem == half && q[0])) ? q + 64'sd1 : q;
    end
  end
endfunction

// Clamp to [INT32_MIN, INT32_MAX].
function automatic signed [31:0] saturate_i32(input signed [63:0] v);
  begin
    if (v > 64'sd2147483647) saturate_i32 = 32'sh7fffffff;
    else if (v < -64'sd2147483648) saturate_i32 = 32'sh80000000;
    else saturate_i32 = v[31:0];
  end
endfunction
