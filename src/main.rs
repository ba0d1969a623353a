fn main() {
    println!("sendletter");
}
