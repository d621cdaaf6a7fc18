"""Data protection: /privacy, /mydata, /forgetme, /language and the retention sweep."""
