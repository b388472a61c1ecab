#pragma once
// An owning GMP integer (mpz_t with RAII), for the varint/decimal conversions of cql/types and the
// arithmetic of query/functions. Decimal digits <-> magnitudes go through GMP, whose conversions
// are subquadratic: a 10^6-digit literal converts in milliseconds (issue 9 item 4).

#include <gmp.h>

namespace sibyl::cql::types {

class Mpz {
 public:
  Mpz() { mpz_init(z_); }
  ~Mpz() { mpz_clear(z_); }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;
  mpz_ptr get() { return z_; }
  mpz_srcptr get() const { return z_; }

 private:
  mpz_t z_;
};

}  // namespace sibyl::cql::types
